"""The multidisciplinary team roles (NICE NG42) and who delivers catalogue items."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    NEUROLOGIST = "neurologist"
    SPECIALIST_NURSE = "specialist_nurse"
    NURSE = "nurse"
    PHYSIOTHERAPIST = "physiotherapist"
    OCCUPATIONAL_THERAPIST = "occupational_therapist"
    SPEECH_AND_LANGUAGE_THERAPIST = "speech_and_language_therapist"
    DIETITIAN = "dietitian"
    RESPIRATORY_THERAPIST = "respiratory_therapist"
    RESPIRATORY_PHYSIOLOGIST = "respiratory_physiologist"
    PALLIATIVE_TEAM = "palliative_team"
    PSYCHOLOGIST = "psychologist"
    SOCIAL_WORKER = "social_worker"
    GASTROENTEROLOGIST = "gastroenterologist"
    GP = "gp"
    CARE_COORDINATOR = "care_coordinator"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Role.NEUROLOGIST: "Neurologist",
    Role.SPECIALIST_NURSE: "Specialist nurse",
    Role.NURSE: "Nurse",
    Role.PHYSIOTHERAPIST: "Physiotherapist",
    Role.OCCUPATIONAL_THERAPIST: "Occupational therapist",
    Role.SPEECH_AND_LANGUAGE_THERAPIST: "Speech and language therapist",
    Role.DIETITIAN: "Dietitian",
    Role.RESPIRATORY_THERAPIST: "Respiratory therapist",
    Role.RESPIRATORY_PHYSIOLOGIST: "Respiratory physiologist",
    Role.PALLIATIVE_TEAM: "Palliative care team",
    Role.PSYCHOLOGIST: "Psychologist",
    Role.SOCIAL_WORKER: "Social worker",
    Role.GASTROENTEROLOGIST: "Gastroenterologist",
    Role.GP: "Family doctor (GP)",
    Role.CARE_COORDINATOR: "Care coordinator",
    Role.OTHER: "Other",
}
