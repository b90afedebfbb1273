"""Demo data decides guideline prompts as a clinic would (issue 14 leftover): some accepted with their
items saved, some dismissed with a clinical reason, some left open; the same for a seed, on
SQLite and PostgreSQL, and everything passes `careplan check`."""

from __future__ import annotations

from collections import Counter

from careplan.persistence.engine import Database
from careplan.services import patients, plans, prompts
from careplan.services.check import check_database
from careplan.services.demo_decisions import DISMISS_REASONS, SHARED_REASONS
from careplan.services.prompt_store import decisions_for
from tests.history_fixtures import (  # noqa: F401 - the second_db fixture
    DEMO_TODAY,
    demo,
    second_db_fixture,
)


def _states(db: Database) -> dict[str, dict[str, str]]:
    out = {}
    for summary in patients.search_patients(db, "DEMO-"):
        out[summary.mrn] = {p.rule: p.state for p in prompts.prompts_for(db, summary.id, on=DEMO_TODAY)}
    return out


def test_demo_patients_have_accepted_dismissed_and_open_prompts(db: Database) -> None:
    demo(db, patients=20)
    states = _states(db)
    seen = Counter(state for rules in states.values() for state in rules.values())
    assert seen["open"] and seen["dismissed"] and seen["accepted"], seen
    assert any(all(s != "open" for s in rules.values()) for rules in states.values())  # some have none open
    assert any("open" in rules.values() for rules in states.values())  # and the worklist still has some
    reasons = {r for rs in DISMISS_REASONS.values() for r in rs} | set(SHARED_REASONS)
    accepted_any = False
    for summary in patients.search_patients(db, "DEMO-"):
        with db.reading() as s:
            made = decisions_for(s, [summary.id]).get(summary.id, [])
        history = plans.history(db, summary.id)
        for d in made:
            if d.decision == "dismissed":
                assert d.reason in reasons
                continue
            accepted_any = True
            # The acceptance is the plan's newest revision: its reason names the prompt, its items are there.
            rev = plans.get_revision(db, summary.id, len(history))
            assert rev.reason == d.reason and f"({d.rule})" in rev.reason
            assert rev.created_at == d.at and rev.author == d.actor
    assert accepted_any
    assert check_database(db).ok


def test_demo_decisions_are_the_same_for_a_seed(db: Database, second_db: Database) -> None:
    demo(db, patients=6, seed=9)
    demo(second_db, patients=6, seed=9)

    def decided(d: Database) -> list[tuple[object, ...]]:
        with d.reading() as s:
            return sorted((x.rule, x.decision, x.reason, x.actor, x.at, x.facts_hash)
                          for ds in decisions_for(s, None).values() for x in ds)

    assert decided(db) == decided(second_db) and decided(db)
