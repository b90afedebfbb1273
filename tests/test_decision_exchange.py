"""Guideline prompt decisions travel in `careplan export` / `import` (issue 14 leftover), on SQLite and
PostgreSQL: a round trip keeps every decision and the prompts' states, adds nothing the second
time, records how many arrived, and a malformed decision stops the import with nothing saved."""

from __future__ import annotations

import copy
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from careplan.domain.course import Assessment
from careplan.domain.errors import CarePlanError
from careplan.domain.limits import max_length
from careplan.persistence.engine import Database
from careplan.persistence.models import PromptDecisionRow
from careplan.services import audit, catalogue, exchange, prompts, rules
from careplan.services.check import check_database
from careplan.services.clock import today, utcnow
from careplan.services.course import add_assessment
from careplan.services.patients import get_patient_by_mrn
from tests.history_builders import make_patient, save_history
from tests.history_fixtures import (
    HOSTILE,
    RTL,
    digest,
    second_db_fixture,  # noqa: F401 - the second_db fixture
)
from tests.test_prompts_service import low_fvc_patient

NOW = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def export_doc(db: Database, path: Path, *mrns: str) -> dict[str, Any]:
    exchange.export_to_file(db, path, mrns, actor="tester", now=NOW)
    return dict(json.loads(path.read_text(encoding="utf-8")))


def states(db: Database, mrn: str) -> dict[str, tuple[str, str | None, str | None]]:
    pid = get_patient_by_mrn(db, mrn).id or 0
    return {p.rule: (p.state, p.decided_by, p.reason) for p in prompts.prompts_for(db, pid)}


def decided_patient(db: Database) -> int:
    """A patient with FVC 45 and weight 80 -> 70 kg: one prompt accepted (items saved with revision 1), one dismissed, the rest open."""
    pid = low_fvc_patient(db, "DEC-1")
    add_assessment(db, pid, Assessment(today(), "Nurse Ada", fvc_pct=45, weight_kg=70))  # 12.5% lost: feeding tube
    prompts.accept(db, pid, "niv_fvc_below_50", actor="Nurse Ada", reason="NIV discussed at clinic")
    open_now = [p.rule for p in prompts.prompts_for(db, pid) if p.state == "open"]
    prompts.dismiss(db, pid, open_now[0], reason=f"Declines for now: {HOSTILE}", actor="Dr Łukasz")
    return pid


def test_decisions_round_trip_with_their_states_byte_for_byte(db: Database, second_db: Database,
                                                              tmp_path: Path) -> None:
    decided_patient(db)
    first = export_doc(db, tmp_path / "first.json")
    [patient] = first["patients"]
    assert [d["decision"] for d in patient["prompt_decisions"]] == ["accepted", "dismissed"]
    accepted, dismissed = patient["prompt_decisions"]
    assert (accepted["revision"], accepted["decided_by"]) == (1, "Nurse Ada")
    assert accepted["reason"].startswith("Accepted guideline prompt") and dismissed["revision"] is None
    assert dismissed["reason"].endswith(HOSTILE)  # kept as typed: markup, emoji, right-to-left

    catalogue.sync_catalogue(second_db)
    rules.sync_rules(second_db)
    summary = exchange.import_file(second_db, tmp_path / "first.json", actor="importer")
    assert summary.decisions_added == 2 and "2 guideline prompt decisions added" in summary.lines()[0]
    assert states(second_db, "DEC-1") == states(db, "DEC-1")  # a dismissal made there holds here
    assert export_doc(second_db, tmp_path / "second.json")["patients"] == first["patients"]
    assert (tmp_path / "second.json").read_bytes() == (tmp_path / "first.json").read_bytes()
    [event] = [e for e in audit.list_events(second_db, mrn="DEC-1") if e.action == "data.imported"]
    assert event.details["decisions_added"] == 2 and event.actor == "importer"
    assert check_database(second_db).ok

    before = digest(second_db)
    again = exchange.import_file(second_db, tmp_path / "first.json", actor="importer")
    assert again.decisions_added == 0 and again.patients_unchanged == ["DEC-1"]
    assert digest(second_db) == before


def test_decisions_made_since_the_last_import_are_added_to_the_ones_already_there(
        db: Database, second_db: Database, tmp_path: Path) -> None:
    pid = decided_patient(db)
    export_doc(db, tmp_path / "one.json")
    exchange.import_file(second_db, tmp_path / "one.json", actor="importer")
    still_open = next(p.rule for p in prompts.prompts_for(db, pid) if p.state == "open")
    prompts.dismiss(db, pid, still_open, reason="Reviewed with the family", actor="Nurse Ada")
    export_doc(db, tmp_path / "two.json")
    summary = exchange.import_file(second_db, tmp_path / "two.json", actor="importer")
    assert summary.decisions_added == 1 and summary.patients_extended == ["DEC-1"]
    assert export_doc(second_db, tmp_path / "back.json")["patients"] == export_doc(db, tmp_path / "x.json")["patients"]


def test_a_file_without_decisions_still_imports() -> None:
    """Files from before decisions were exported have no key: the schema and the reader take them."""
    schema = json.loads(exchange.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert "prompt_decisions" not in schema["$defs"]["patient"]["required"]


# --- hostile and random decisions ---------------------------------------------------------------

# Any text a database can hold: no NUL or other control character, no lone surrogate half.
storable = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r")
hostile_text = st.text(storable, max_size=60) | st.sampled_from(
    [HOSTILE, RTL, "<b>&amp;</b> <script>x</script>", "👩‍👩‍👧" * 20, "e\u0301" * 40, "\u202eevil",
     "x" * max_length("decision.reason")])
decisions = st.fixed_dictionaries({
    "rule": st.from_regex(r"[a-z][a-z0-9_]{2,63}", fullmatch=True),
    "decision": st.sampled_from(["accepted", "dismissed"]),
    "rule_hash": st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    "facts_hash": st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    "actor": hostile_text.filter(lambda t: t.strip() != "" and len(t) <= max_length("decision.actor")),
    "decided_at": st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)),
    "reason": hostile_text.filter(lambda t: t.strip() != ""),
    "revision": st.integers(1, 2),
})
_numbers = itertools.count(1)


TWIN = {"rule": "niv_fvc_low", "decision": "dismissed", "rule_hash": "0" * 64, "facts_hash": "1" * 64,
        "actor": "Nurse Gil", "decided_at": datetime(2025, 3, 1, 10, 0, tzinfo=UTC), "reason": "Declined", "revision": 1}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=st.lists(decisions, min_size=1, max_size=3))
@example(made=[TWIN, dict(TWIN)])  # two decisions alike in every value are both history: both travel
def test_any_decision_round_trips_exactly(db: Database, second_db: Database, tmp_path: Path,
                                          made: list[dict[str, Any]]) -> None:
    mrn = f"HYP-{next(_numbers)}"  # the databases live across examples: one patient per example
    patient = make_patient(db, mrn)
    save_history(db, patient.id or 0, 2)
    with db.transaction() as s:
        for d in made:
            s.add(PromptDecisionRow(patient_id=patient.id, rule_code=d["rule"], decision=d["decision"],
                                    rule_hash=d["rule_hash"], facts_hash=d["facts_hash"], actor=d["actor"],
                                    decided_at=d["decided_at"], reason=d["reason"],
                                    revision=d["revision"] if d["decision"] == "accepted" else None))
    sent = export_doc(db, tmp_path / f"{mrn}.json", mrn)
    exchange.import_file(second_db, tmp_path / f"{mrn}.json", actor="importer")
    back = export_doc(second_db, tmp_path / f"{mrn}-back.json", mrn)
    assert back["patients"] == sent["patients"]
    assert [(d["decided_by"], d["reason"]) for d in back["patients"][0]["prompt_decisions"]] == [
        (d["actor"], d["reason"]) for d in made]


# --- malformed decisions ------------------------------------------------------------------------

def _future() -> str:
    return (utcnow() + timedelta(days=2)).isoformat(timespec="microseconds")


# (what is wrong, how to make it so, words the message must hold)
MALFORMED: list[tuple[str, Any, str]] = [
    ("future", lambda d: d.update(decided_at=_future()), "is in the future"),
    ("not a real day", lambda d: d.update(decided_at="2026-02-30T10:00:00+00:00"), "is not a real date and time"),
    ("not a time", lambda d: d.update(decided_at="yesterday"), "decided_at: 'yesterday' is not a date and time"),
    ("unknown decision", lambda d: d.update(decision="postponed"), "decision: 'postponed' is not one of"),
    ("bad hash", lambda d: d.update(rule_hash="abc"), "rule_hash: 'abc' is not a SHA-256 hash"),
    ("bad rule code", lambda d: d.update(rule="NIV <b>"), ".rule: 'NIV <b>' is not a guideline rule code"),
    ("blank reason", lambda d: d.update(reason="   "), "a dismissal needs its written reason"),
    ("blank name", lambda d: d.update(decided_by=" "), "decided_by: ' ' is blank"),
    ("huge reason", lambda d: d.update(reason="é" * 2001), "reason: is 2,001 characters long; the limit is 2,000"),
    ("NUL in reason", lambda d: d.update(reason="wait\x00"), "reason: 'wait\\x00'"),
    ("lone surrogate", lambda d: d.update(decided_by="Nurse \ud800"), "decided_by: 'Nurse \\ud800'"),
    ("dismissal with a revision", lambda d: d.update(revision=1), "a dismissal saves no plan revision"),
    ("acceptance without one", lambda d: d.update(decision="accepted", revision=None), "an acceptance names the plan"),
    ("acceptance of a revision not in the file", lambda d: d.update(decision="accepted", revision=9),
     "9 is not one of this patient's (the file holds revisions 1 to 1)"),
    ("revision zero", lambda d: d.update(decision="accepted", revision=0), "revision: 0 is less than the minimum"),
    ("missing key", lambda d: d.pop("facts_hash"), "'facts_hash' is a required property"),
    ("wrong type", lambda d: d.update(reason=["x"]), "should be text, but it is a list"),
]


@pytest.mark.parametrize(("wrong", "make", "said"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_decision_is_named_and_nothing_is_saved(db: Database, second_db: Database, tmp_path: Path,
                                                            wrong: str, make: Any, said: str) -> None:
    decided_patient(db)
    good = export_doc(db, tmp_path / "good.json")
    doc = copy.deepcopy(good)
    doc["patients"][0]["prompt_decisions"][1] = bad = dict(doc["patients"][0]["prompt_decisions"][1])
    make(bad)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="ascii")  # \u escapes: a lone surrogate too
    before = digest(second_db)
    with pytest.raises(CarePlanError) as refused:
        exchange.import_file(second_db, path, actor="importer")
    message = str(refused.value)
    assert "$.patients[0].prompt_decisions[1]" in message and said in message, message
    assert "nothing was written" in message
    assert len(message.splitlines()) <= 2  # one problem, one line: the text quoted never breaks it
    assert digest(second_db) == before


def test_the_service_refuses_a_dismissal_no_export_could_carry(db: Database) -> None:
    """The file holds a reason to 2,000 characters: the dismiss service keeps the same limit, so every
    decision saved can be exported and imported again."""
    pid = low_fvc_patient(db, "LIM-1")
    with pytest.raises(CarePlanError, match="2,001 characters"):
        prompts.dismiss(db, pid, "niv_fvc_below_50", reason="x" * 2001, actor="Nurse Ada")
    with pytest.raises(CarePlanError, match="prompt was not dismissed"):
        prompts.dismiss(db, pid, "niv_fvc_below_50", reason="wait\x00", actor="Nurse Ada")
    prompts.dismiss(db, pid, "niv_fvc_below_50", reason="x" * 2000, actor="Nurse Ada")
    assert states(db, "LIM-1")["niv_fvc_below_50"][0] == "dismissed"
