"""Hostile text through every field of every entity, on SQLite and PostgreSQL.

Each value is either stored and read back exactly, or refused with a ValidationError whose
problems all name that field; never a database error, never an altered value. Whether a value
must be accepted is decided here, independently of the validators: within the limit, no
control character but tab/line breaks, no lone surrogate, and the field's own format.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.course import Assessment
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import ValidationError
from careplan.domain.limits import FIELDS, Allows, max_length
from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import Goal, PlanContent, PlanStatus
from careplan.domain.team import Role
from careplan.persistence.engine import Database
from careplan.services import catalogue, patients, plans
from careplan.services.course import add_assessment, history
from tests.history_builders import item

# --- hostile text ------------------------------------------------------------------------------

PIECES = [
    "\x00", "a\x00b", "\ud800", "\udfff", "x\udc80y", "\x07", "\x1b[31m", "\x7f", "\x85", "\x9f",
    "\t", "\n", "\r\n", "\r", "\u2028", "\u2029",
    "e\u0301", "Z\u0351\u0363\u036b\u0489", "\u202eevil\u202c", "\u2066iso\u2069", "\u200f", "\u200b", "\ufeff",
    "👨\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "👍🏽", "\U0010ffff", "\uffff", "\ufffd",
    "<b>", "</b>", "&amp;", "&", "<", ">", "<script>alert(1)</script>", "]]>", "\"'", "\\", "%", "_", "{0}",
    "ß", "ﬃ", "İ", "שלום", "مرحبا", "Ελένη", "Łukasz", " ", "  ", "@", "a@b.c", "+44 (0) 7700-900.123 x1#*",
]
HOSTILE_MIX = "".join(p for p in PIECES if not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]", p))
LONG = ["x" * 10_000, (HOSTILE_MIX * 200)[:10_000]]

hostile_text = st.one_of(
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=8).map("".join),
    st.text(max_size=40),  # every category but surrogates, controls included
    st.sampled_from(LONG),
)

# --- what a field must accept, decided independently -------------------------------------------

_REFUSED_EVERYWHERE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
REQUIRED = {"patient.full_name", "patient.mrn", "caregiver.name", "team_member.name", "plan.goal",
            "revision.author", "revision.reason", "catalogue.title", "catalogue.caregiver_instructions",
            "catalogue.code", "assessment.author"}


def must_accept(key: str, value: str) -> bool | None:
    """True: must be stored; False: must be refused; None: the field's format decides."""
    rule = FIELDS[key]
    if len(value) > rule.max_length or _REFUSED_EVERYWHERE.search(value):
        return False
    if key in REQUIRED and not value.strip() or key == "item.catalogue_code" and not value:
        return False
    if rule.allows is Allows.TEXT:
        return True
    return None if value else True


def at_limit(key: str) -> str:
    """A value exactly as long as the field allows, made of the hardest text the field accepts."""
    n = max_length(key)
    allows = FIELDS[key].allows
    if allows is Allows.PHONE:
        return ("+44 (0) 7700-900.123 x#*" * n)[:n]
    if allows is Allows.EMAIL:
        return ("é😀<b>&amp;" * n)[: n - 4] + "@b.c"
    if allows is Allows.MRN:
        return ("MRN-שלום-😀-<b>&" * n)[:n]
    if allows is Allows.CODE:
        return ("c" + "a_1" * n)[:n]
    return (HOSTILE_MIX * (n // len(HOSTILE_MIX) + 1))[:n]


# --- storing a value in each field, and reading it back ----------------------------------------

_counter = itertools.count()


@dataclass(frozen=True)
class Field:
    key: str
    problem_field: str  # where a ValidationError puts it
    store: Callable[[Database, str], Any]  # stores the value; returns what reads back
    expected: Callable[[str], str] = lambda v: v  # what a stored value reads back as


def _patient(**fields: Any) -> Patient:
    n = next(_counter)
    base = Patient(mrn=f"H-{n}", full_name="Anna Example", date_of_birth=date(1960, 5, 1),
                   caregivers=[Caregiver("Sam", "Son", "+44 1", "sam@example.org")],
                   care_team=[TeamMember("Dr Ada", Role.NEUROLOGIST, "020 1")])
    return replace(base, **fields)


def _store_patient(name: str) -> Callable[[Database, str], Any]:
    def store(db: Database, value: str) -> Any:
        saved = patients.create_patient(db, _patient(**{name: value}), actor="tester")
        return getattr(patients.get_patient(db, saved.id or 0), name)
    return store


def _store_person(kind: str, name: str) -> Callable[[Database, str], Any]:
    def store(db: Database, value: str) -> Any:
        p = _patient()
        people = p.caregivers if kind == "caregivers" else p.care_team
        setattr(people[0], name, value)
        saved = patients.create_patient(db, p, actor="tester")
        return getattr(getattr(patients.get_patient(db, saved.id or 0), kind)[0], name)
    return store


def _plan_owner(db: Database) -> int:
    """One patient per database, whose plan every example saves a revision of."""
    found = patients.search_patients(db, "PLAN-OWNER")
    if found:
        return found[0].id
    p = patients.create_patient(db, replace(_patient(), mrn="PLAN-OWNER"), actor="tester")
    plans.save_revision(db, p.id or 0, base_revision=0, content=_content(), author="Nurse", reason="")
    return p.id or 0


def _content(**item_fields: Any) -> PlanContent:
    it = replace(item("c001", Discipline.SPEECH), **item_fields)
    return PlanContent(status=PlanStatus.ACTIVE, start_date=date(2026, 1, 5), next_review=date(2026, 4, 6),
                       goals=(Goal("Keep walking"),), items=(it,))


def _save(db: Database, content: PlanContent, author: str = "Nurse", reason: str = "Review") -> Any:
    pid = _plan_owner(db)
    base = plans.load_plan(db, pid).number
    plans.save_revision(db, pid, base_revision=base, content=content, author=author, reason=reason)
    return plans.load_plan(db, pid).latest


def _assess(db: Database, **fields: str) -> Any:
    pid = _plan_owner(db)
    saved = add_assessment(db, pid, replace(Assessment(date(2026, 1, 5), "Nurse", weight_kg=60.0), **fields))
    return next(a for a in history(db, pid) if a.id == saved.id)


def _store_goal(db: Database, value: str) -> Any:
    return _save(db, replace(_content(), goals=(Goal(value),))).content.goals[0].text


def _store_item(name: str) -> Callable[[Database, str], Any]:
    def store(db: Database, value: str) -> Any:
        return getattr(_save(db, _content(**{name: value})).content.items[0], "key" if name == "uid" else name)
    return store


def _store_custom(name: str) -> Callable[[Database, str], Any]:
    def store(db: Database, value: str) -> Any:
        fields = {"code": f"clinic_h{next(_counter)}", "discipline": Discipline.PHYSIOTHERAPY, "title": "Massage",
                  "clinical_description": "", "caregiver_instructions": "Gently.", "frequency": "Daily",
                  "role": Role.PHYSIOTHERAPIST, "source": "Clinic", "safety_notes": ""}
        fields[name] = value
        added = catalogue.add_custom_item(db, CatalogueItem(**fields), actor="tester")  # type: ignore[arg-type]
        return getattr(catalogue.get_item(db, added.code), name)
    return store


FIELDS_UNDER_TEST = [
    *(Field(f"patient.{n}", n, _store_patient(n)) for n in ("mrn", "full_name", "preferred_language", "notes")),
    *(Field(f"caregiver.{n}", f"caregivers[0].{n}", _store_person("caregivers", n))
      for n in ("name", "relationship", "phone", "email")),
    *(Field(f"team_member.{n}", f"care_team[0].{n}", _store_person("care_team", n)) for n in ("name", "phone")),
    Field("plan.goal", "goals[0]", _store_goal),
    # A revision's author and reason are saved without surrounding spaces, by design.
    Field("revision.author", "author", lambda db, v: _save(db, _content(), author=v).author, str.strip),
    Field("revision.reason", "reason", lambda db, v: _save(db, _content(), reason=v).reason, str.strip),
    Field("assessment.author", "author", lambda db, v: _assess(db, author=v).author),
    Field("assessment.reason", "reason", lambda db, v: _assess(db, reason=v).reason),
    # An item without its own uid is known by its catalogue code.
    Field("item.uid", "items[0].uid", _store_item("uid"), lambda v: v or "c001"),
    *(Field(f"item.{n}", f"items[0].{n}", _store_item(n))
      for n in ("catalogue_code", "title", "caregiver_instructions", "clinical_description", "frequency",
                "responsible", "goal", "notes")),
    # A clinic's item without a source is the clinic's own.
    Field("catalogue.source", "source", _store_custom("source"), lambda v: v or "Clinic"),
    *(Field(f"catalogue.{n}", n, _store_custom(n))
      for n in ("code", "title", "clinical_description", "caregiver_instructions", "frequency", "safety_notes")),
]
BY_KEY = {f.key: f for f in FIELDS_UNDER_TEST}


# Fields with a limit that no form here stores: a prompt decision enters the database only from the
# prompts service (its reason) or an import file (both fields). tests/test_decision_exchange.py puts
# hostile text at and over these limits through the import, the only path that takes them whole.
TESTED_ELSEWHERE = {"decision.actor": "tests/test_decision_exchange.py", "decision.reason": "tests/test_decision_exchange.py"}


def test_every_field_with_a_limit_is_under_test() -> None:
    assert sorted([*BY_KEY, *TESTED_ELSEWHERE]) == sorted(FIELDS)
    assert not set(BY_KEY) & set(TESTED_ELSEWHERE)


def stored_or_refused(db: Database, field: Field, value: str) -> bool:
    """Store the value; True if it read back exactly, False if refused naming the field."""
    try:
        stored = field.store(db, value)
    except ValidationError as e:
        assert e.problems and {p.field for p in e.problems} == {field.problem_field}, (field.key, e.problems)
        assert all(p.message and p.message.isprintable() for p in e.problems), e.problems
        return False
    assert stored == field.expected(value), f"{field.key} stored {stored!r:.200} for {value!r:.200}"
    return True


def check(db: Database, field: Field, value: str) -> None:
    accepted = stored_or_refused(db, field, value)
    expected = must_accept(field.key, value)
    if expected is False:
        assert not accepted, f"{field.key} stored a value it must refuse: {value[:200]!r}"
    elif expected and not accepted:
        # A value already taken by an earlier example (an MRN, a code) is refused as a duplicate.
        assert field.key in ("patient.mrn", "catalogue.code"), f"{field.key} refused {value[:200]!r}"


def test_at_the_limit_is_stored_and_one_over_is_refused(db: Database) -> None:
    for key, field in BY_KEY.items():
        value = at_limit(key)
        assert len(value) == max_length(key)
        assert stored_or_refused(db, field, value), f"{key}: a value at the limit was refused"
        assert not stored_or_refused(db, field, value + value[-1]), f"{key}: a value over the limit was stored"


@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_text_is_stored_exactly_or_refused_naming_the_field(db: Database, data: st.DataObject) -> None:
    # Every example tries every field. One database serves them all: each value is stored under
    # a fresh MRN, code or revision, so examples do not disturb each other.
    for key, field in BY_KEY.items():
        check(db, field, data.draw(hostile_text, label=key))
