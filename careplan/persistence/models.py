"""The database schema as typed SQLAlchemy models.

History tables (plan_revisions, revision_items, audit_events) are append-only: triggers
installed by the migrations reject UPDATE and DELETE on them (see triggers.py).
Text columns a user types into take their length from careplan.domain.limits; the lengths
there equal the ones the migrations created (tests/test_limits.py), so no migration is needed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from careplan.domain.limits import max_length
from careplan.persistence.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(max_length("patient.mrn")), unique=True)
    full_name: Mapped[str] = mapped_column(String(max_length("patient.full_name")))
    # Case-folded name for search as you type; kept in step by the service.
    search_name: Mapped[str] = mapped_column(String(max_length("patient.full_name")), index=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    diagnosis_date: Mapped[date | None] = mapped_column(Date)
    onset_site: Mapped[str | None] = mapped_column(String(16))
    # Lifecycle (migration 0004): see careplan.domain.patient.PatientStatus.
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(32))
    status_date: Mapped[date | None] = mapped_column(Date)
    # Demo patients, so `careplan demo --remove` can remove only them.
    fictional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    onset_date: Mapped[date | None] = mapped_column(Date)
    usual_weight_kg: Mapped[float | None] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)
    # Random, given with the first revision and never changed after (a trigger refuses it): newer
    # revision hashes cover it, so a plan's history cannot pass for another patient's. It travels
    # with an export, unlike the row id, so an imported history keeps its hashes.
    history_key: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    preferred_language: Mapped[str] = mapped_column(String(max_length("patient.preferred_language")), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    caregivers: Mapped[list[CaregiverRow]] = relationship(
        back_populates="patient", order_by="CaregiverRow.position", cascade="all, delete-orphan"
    )
    care_team: Mapped[list[TeamMemberRow]] = relationship(
        back_populates="patient", order_by="TeamMemberRow.position", cascade="all, delete-orphan"
    )
    plan: Mapped[PlanRow | None] = relationship(back_populates="patient")

    __table_args__ = (
        CheckConstraint("status IN ('active', 'discharged', 'deceased', 'archived')", name="patient_status"),
    )
    __mapper_args__ = {"version_id_col": version_id}


class CaregiverRow(Base):
    __tablename__ = "caregivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(max_length("caregiver.name")))
    relationship_: Mapped[str] = mapped_column("relationship", String(max_length("caregiver.relationship")), default="")
    phone: Mapped[str] = mapped_column(String(max_length("caregiver.phone")), default="")
    email: Mapped[str] = mapped_column(String(max_length("caregiver.email")), default="")

    patient: Mapped[PatientRow] = relationship(back_populates="caregivers")


class TeamMemberRow(Base):
    __tablename__ = "care_team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(max_length("team_member.name")))
    role: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(max_length("team_member.phone")), default="")

    patient: Mapped[PatientRow] = relationship(back_populates="care_team")


class CatalogueItemRow(Base):
    __tablename__ = "catalogue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(max_length("catalogue.code")), unique=True)
    discipline: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(max_length("catalogue.title")))
    clinical_description: Mapped[str] = mapped_column(Text, default="")
    caregiver_instructions: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(max_length("catalogue.frequency")), default="")
    role: Mapped[str] = mapped_column(String(64))
    safety_notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(max_length("catalogue.source")), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    custom: Mapped[bool] = mapped_column(Boolean, default=False)
    # Hash of the shipped text this row was seeded from; a clinic edit makes the row differ
    # from it, and an app upgrade then leaves the row alone.
    shipped_hash: Mapped[str | None] = mapped_column(String(64))
    edited_by: Mapped[str | None] = mapped_column(String(max_length("revision.author")))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}


class TemplateRow(Base):
    """A starter plan: seeded from the shipped templates.yaml, then the clinic's own to edit.

    Like CatalogueItemRow: never deleted, only retired; `shipped_hash` keeps an upgrade from
    overwriting the clinic's edits. `version` is the template's own version (the history names
    it), `version_id` the row's, for conflicts between two coordinators.
    """

    __tablename__ = "templates"
    __table_args__ = (CheckConstraint("version >= 1", name="template_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(max_length("catalogue.code")), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(max_length("catalogue.title")))
    applies_when: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    items_json: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    custom: Mapped[bool] = mapped_column(Boolean, default=False)
    shipped_hash: Mapped[str | None] = mapped_column(String(64))
    edited_by: Mapped[str | None] = mapped_column(String(max_length("revision.author")))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}


class PlanRow(Base):
    """The living plan of one patient; its content is always its latest revision."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    current_revision: Mapped[int] = mapped_column(Integer, default=0)
    # Copied from the latest revision so the patient list can sort and flag due reviews cheaply.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    next_review: Mapped[date | None] = mapped_column(Date, index=True)
    last_hash: Mapped[str] = mapped_column(String(64))

    patient: Mapped[PatientRow] = relationship(back_populates="plan")


class PlanRevisionRow(Base):
    __tablename__ = "plan_revisions"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_plan_revisions_plan_number"),
        CheckConstraint("status IN ('draft','active')", name="plan_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(max_length("revision.author")))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date | None] = mapped_column(Date)
    next_review: Mapped[date | None] = mapped_column(Date)
    goals_json: Mapped[str] = mapped_column(Text, default="[]")
    restored_from: Mapped[int | None] = mapped_column(Integer)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    prev_hash: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    # 1: the hash does not cover the patient (revisions saved before schema 0005); 2: it does.
    hash_version: Mapped[int] = mapped_column(Integer, server_default="1")


class RevisionItemRow(Base):
    __tablename__ = "revision_items"
    __table_args__ = (
        CheckConstraint(
            "status IN ('planned','active','on_hold','completed','declined','stopped')", name="item_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("plan_revisions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str] = mapped_column(String(max_length("item.uid")))
    catalogue_code: Mapped[str] = mapped_column(String(max_length("item.catalogue_code")))
    discipline: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(max_length("item.title")))
    caregiver_instructions: Mapped[str] = mapped_column(Text, default="")
    clinical_description: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(max_length("item.frequency")), default="")
    responsible: Mapped[str] = mapped_column(String(max_length("item.responsible")), default="")
    goal: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_patient_at", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(max_length("revision.author")))
    action: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    entity: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str] = mapped_column(String(200), default="")
    revision: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[str] = mapped_column(Text, default="{}")
    # The audit log's own hash chain (services/audit_chain.py); NULL on rows written before schema 0005.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    # The login behind the printed name (schema 0008): the OS login on SQLite, session_user on
    # PostgreSQL (a server default). NULL before 0008. Not covered by the chain's hash.
    login: Mapped[str | None] = mapped_column(String(63))


class PlanDraftRow(Base):
    """Autosaved, unsaved edits: what a crash would otherwise lose. Not part of history."""

    __tablename__ = "plan_drafts"
    __table_args__ = (UniqueConstraint("patient_id", "author", name="uq_plan_drafts_patient_author"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    author: Mapped[str] = mapped_column(String(max_length("revision.author")))
    base_revision: Mapped[int] = mapped_column(Integer)
    content_json: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AppMetaRow(Base):
    """Facts about the database itself, e.g. which catalogue file it was last synced with."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AssessmentRow(Base):
    """One dated, attributed assessment of the ALS course (careplan.domain.course).

    Append-only like the revisions: a correction is a new row whose `supersedes` names the row
    it replaces; each row can be superseded once (a later correction supersedes the correction).
    """

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_patient_assessed", "patient_id", "assessed_on"),
        CheckConstraint("niv IN ('in-use', 'offered', 'declined')", name="niv"),
        CheckConstraint("gastrostomy IN ('in-use', 'offered', 'declined')", name="gastrostomy"),
        CheckConstraint("fvc_position IN ('sitting', 'lying')", name="fvc_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    assessed_on: Mapped[date] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(max_length("assessment.author")))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    supersedes: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The 12 scores as typed on the CLI, item 5 with its form: "4,4,4,4,4a,4,4,3,4,4,4,4".
    alsfrs: Mapped[str | None] = mapped_column(String(32))
    fvc_pct: Mapped[float | None] = mapped_column(Float)
    fvc_litres: Mapped[float | None] = mapped_column(Float)
    fvc_position: Mapped[str | None] = mapped_column(String(8))
    snip_cmh2o: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    niv: Mapped[str | None] = mapped_column(String(16))
    gastrostomy: Mapped[str | None] = mapped_column(String(16))
    kings_recorded: Mapped[str | None] = mapped_column(String(4))


class GuidelineRuleRow(Base):
    """A guideline rule (careplan.domain.guidelines.Rule), the clinic's to edit like catalogue items.

    shipped_hash works as in catalogue_items: an upgrade updates a rule only while the clinic
    has not edited it.
    """

    __tablename__ = "guideline_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    when_json: Mapped[str] = mapped_column(Text)
    suggests_json: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    revisit: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    custom: Mapped[bool] = mapped_column(Boolean, default=False)
    shipped_hash: Mapped[str | None] = mapped_column(String(64))
    edited_by: Mapped[str | None] = mapped_column(String(max_length("revision.author")))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}


class PromptDecisionRow(Base):
    """A coordinator accepted or dismissed a guideline prompt. Append-only: a new decision is a new row.

    rule_hash and facts_hash say which rule text and which triggering facts it was made on; a
    change in either brings the prompt back (careplan.domain.guidelines.settle).
    """

    __tablename__ = "prompt_decisions"
    __table_args__ = (
        Index("ix_prompt_decisions_patient_rule", "patient_id", "rule_code"),
        CheckConstraint("decision IN ('accepted', 'dismissed')", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    rule_code: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    rule_hash: Mapped[str] = mapped_column(String(64))
    facts_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(max_length("revision.author")))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int | None] = mapped_column(Integer)  # the plan revision an acceptance saved


class RevisionSignatureRow(Base):
    """A signature with meaning on a revision (careplan.domain.signature); append-only.

    Each row links to the one before it on the same revision (prev_hash; the revision's own hash
    for the first), and prev_hash is unique so two signers cannot both extend the same link.
    """

    __tablename__ = "revision_signatures"
    __table_args__ = (CheckConstraint("meaning IN ('authored', 'reviewed', 'approved')", name="meaning"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("plan_revisions.id"), index=True)
    meaning: Mapped[str] = mapped_column(String(16))
    signed_by: Mapped[str] = mapped_column(String(max_length("revision.author")))
    printed_name: Mapped[str] = mapped_column(String(max_length("revision.author")))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


HISTORY_TABLES = ("plan_revisions", "revision_items", "audit_events", "assessments", "prompt_decisions",
                  "revision_signatures")
