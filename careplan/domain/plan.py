"""A patient's care plan: its content, its items, and the revisions it was saved as."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from careplan.domain.disciplines import Discipline
from careplan.domain.errors import Problems
from careplan.domain.limits import limit
from careplan.domain.text import blank, field_problem, quoted

REVIEW_INTERVAL = timedelta(days=91)  # reviews every 2-3 months (NICE NG42)
GENESIS_HASH = "0" * 64
HASH_VERSION = 2  # what new revisions are hashed with; see Revision.hash_payload
# How far a revision may be dated before the one it follows: coordinators' clocks differ a little.
CLOCK_SKEW = timedelta(minutes=10)


class PlanStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ItemStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    DECLINED = "declined"
    STOPPED = "stopped"

    @property
    def label(self) -> str:
        return _ITEM_STATUS_LABELS[self]

    @property
    def is_current(self) -> bool:
        """Printed in the main sections; declined and stopped items are listed apart."""
        return self not in (ItemStatus.DECLINED, ItemStatus.STOPPED)


_ITEM_STATUS_LABELS = {
    ItemStatus.PLANNED: "Planned",
    ItemStatus.ACTIVE: "Active",
    ItemStatus.ON_HOLD: "On hold",
    ItemStatus.COMPLETED: "Completed",
    ItemStatus.DECLINED: "Offered but declined",
    ItemStatus.STOPPED: "Stopped",
}

FREQUENCY_CHOICES = (
    "Daily",
    "Twice a day",
    "Three times a day",
    "Every night",
    "Several times a week",
    "Weekly",
    "Every 2 weeks",
    "Monthly",
    "Every 3 months",
    "At every clinic visit",
    "When needed",
    "As prescribed",
    "Once",
)


DOSE_PATTERN = re.compile(
    r"\b(mg|mcg|µg|micrograms?|milligrams?|grams?|ml|millilitres?|units?|iu)\b"
    r"|\d+(\.\d+)?\s*(x\s*)?(mg|mcg|g|ml|tablets?|pills?|capsules?|drops?|puffs?|sachets?|doses?|spoons?|teaspoons?|injections?|patch(es)?)\b"
    r"|\b(one|two|three|four|five|six|half|a|an)\s+(tablets?|pills?|capsules?|sachets?|spoonfuls?|teaspoons?)\b",
    re.IGNORECASE,
)


def mentions_dose(text: str) -> bool:
    """Doses belong on the prescription: a printout that repeats one goes stale when it changes."""
    return DOSE_PATTERN.search(text) is not None


def is_daily(frequency: str) -> bool:
    """Daily items go on the printed tick checklist."""
    f = frequency.lower()
    return any(w in f for w in ("daily", "a day", "every day", "every night", "each day", "nightly", "every morning", "every evening"))


@dataclass(frozen=True)
class Goal:
    text: str


@dataclass(frozen=True)
class PlanItem:
    """One line of a plan, with a copy of the catalogue text it was built from."""

    catalogue_code: str
    discipline: Discipline
    title: str
    caregiver_instructions: str = ""
    clinical_description: str = ""
    frequency: str = ""
    responsible: str = ""
    goal: str = ""
    notes: str = ""
    start_date: date | None = None
    status: ItemStatus = ItemStatus.PLANNED
    uid: str = ""  # stable within a plan: lets a diff follow an item across revisions

    @property
    def key(self) -> str:
        return self.uid or self.catalogue_code

    def to_dict(self) -> dict[str, Any]:
        return {
            "uid": self.key,
            "catalogue_code": self.catalogue_code,
            "discipline": self.discipline.value,
            "title": self.title,
            "caregiver_instructions": self.caregiver_instructions,
            "clinical_description": self.clinical_description,
            "frequency": self.frequency,
            "responsible": self.responsible,
            "goal": self.goal,
            "notes": self.notes,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "status": self.status.value,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlanItem:
        return cls(
            uid=d.get("uid") or d["catalogue_code"],
            catalogue_code=d["catalogue_code"],
            discipline=Discipline(d["discipline"]),
            title=d["title"],
            caregiver_instructions=d.get("caregiver_instructions", ""),
            clinical_description=d.get("clinical_description", ""),
            frequency=d.get("frequency", ""),
            responsible=d.get("responsible", ""),
            goal=d.get("goal", ""),
            notes=d.get("notes", ""),
            start_date=date.fromisoformat(d["start_date"]) if d.get("start_date") else None,
            status=ItemStatus(d.get("status", "planned")),
        )


@dataclass(frozen=True)
class PlanContent:
    """What a coordinator edits and saves: everything a revision records besides who/when/why."""

    status: PlanStatus = PlanStatus.DRAFT
    start_date: date | None = None
    next_review: date | None = None
    goals: tuple[Goal, ...] = ()
    items: tuple[PlanItem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "next_review": self.next_review.isoformat() if self.next_review else None,
            "goals": [g.text for g in self.goals],
            "items": [i.to_dict() for i in self.items],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlanContent:
        return cls(
            status=PlanStatus(d.get("status", "draft")),
            start_date=date.fromisoformat(d["start_date"]) if d.get("start_date") else None,
            next_review=date.fromisoformat(d["next_review"]) if d.get("next_review") else None,
            goals=tuple(Goal(t) for t in d.get("goals", [])),
            items=tuple(PlanItem.from_dict(i) for i in d.get("items", [])),
        )

    def sorted_items(self) -> list[PlanItem]:
        """Items grouped by discipline in the fixed order, keeping the coordinator's order within one."""
        return sorted(self.items, key=lambda i: i.discipline.order)

    def with_items(self, items: tuple[PlanItem, ...]) -> PlanContent:
        return replace(self, items=items)


def new_plan_content(today: date) -> PlanContent:
    return PlanContent(status=PlanStatus.DRAFT, start_date=today, next_review=today + REVIEW_INTERVAL)


@dataclass(frozen=True)
class Revision:
    """An immutable saved state of a plan."""

    number: int
    created_at: datetime  # timezone-aware, UTC
    author: str
    reason: str
    content: PlanContent
    prev_hash: str = GENESIS_HASH
    content_hash: str = ""
    restored_from: int | None = None
    # The patient's history key when the hash covers it (hash version 2), so the history cannot
    # be moved to another patient; None for revisions saved before that (hash version 1).
    patient_key: str | None = None

    @property
    def hash_version(self) -> int:
        return 1 if self.patient_key is None else HASH_VERSION

    def hash_payload(self) -> dict[str, Any]:
        payload = {
            "number": self.number,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "author": self.author,
            "reason": self.reason,
            "restored_from": self.restored_from,
            "content": self.content.to_dict(),
            "prev_hash": self.prev_hash,
        }
        if self.patient_key is not None:
            payload["patient"] = self.patient_key
        return payload

    def compute_hash(self) -> str:
        return revision_hash(self.hash_payload())


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def revision_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


ITEM_TEXT_FIELDS = ("uid", "catalogue_code", "title", "caregiver_instructions", "clinical_description",
                    "frequency", "responsible", "goal", "notes")


def validate_content(content: PlanContent) -> None:
    problems = Problems()
    if content.start_date and content.next_review and content.next_review < content.start_date:
        problems.add("next_review", "The next review date is before the plan's start date.")
    for i, g in enumerate(content.goals):
        if blank(g.text):
            problems.add(f"goals[{i}]", f"Goal {i + 1} is empty.")
        elif msg := field_problem("plan.goal", g.text):
            problems.add(f"goals[{i}]", f"Goal {i + 1} {msg}.")
    seen: set[str] = set()
    for i, item in enumerate(content.items):
        where = f"items[{i}]"
        if item.key in seen:
            problems.add(where, f"{quoted(item.title)} is in the plan twice.")
        seen.add(item.key)
        if not item.catalogue_code:  # the export schema's minLength: 1
            problems.add(f"{where}.catalogue_code", f"Item {i + 1} has no catalogue code.")
        for fname in ITEM_TEXT_FIELDS:
            key = f"item.{fname}"
            if msg := field_problem(key, getattr(item, fname)):
                label = limit(key).label
                problems.add(f"{where}.{fname}", f"Item {i + 1} ({quoted(item.title, 40)}): "
                             f"{label[0].lower()}{label[1:]} {msg}.")
    problems.raise_if_any()


def validate_reason(number: int, reason: str) -> None:
    problems = Problems()
    if number > 1 and blank(reason):
        problems.add("reason", "Say why the plan changed: a reason is required from revision 2 on.")
    elif msg := field_problem("revision.reason", reason):
        problems.add("reason", f"The reason {msg}.")
    problems.raise_if_any()


def validate_author(author: str) -> None:
    """Every revision records who saved it."""
    problems = Problems()
    if blank(author):
        problems.add("author", "Enter your name before saving: every revision records who made it.")
    elif msg := field_problem("revision.author", author):
        problems.add("author", f"Your name {msg}.")
    problems.raise_if_any()
