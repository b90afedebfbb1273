"""`careplan worklist`: its JSON contract, its table, and one line for bad input."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest

from careplan.cli import main, worklist_commands
from careplan.domain.plan import PlanContent
from careplan.persistence.engine import open_database
from careplan.services import plans
from careplan.services.patients import DUE_SOON
from careplan.services.worklist import MAX_DAYS
from tests.test_worklist import add_patient, save_plan

if TYPE_CHECKING:
    from tests.clock_fixtures import FixedClock

pytest_plugins = ["tests.clock_fixtures"]  # fixed_clock
CONTRACT_KEYS = ["mrn", "name", "kind", "reason", "date", "days", "author"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clinic_url(db_url: str, fixed_clock: FixedClock) -> str:
    db = open_database(db_url)
    try:
        fixed_clock.at(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
        late = add_patient(db, "CLI-1", "Żaneta <b>Ó'Brien</b> & שלום")
        save_plan(db, late, date(2026, 6, 5))
        soon = add_patient(db, "CLI-2", "Bo Soon")
        save_plan(db, soon, date(2026, 6, 20))
        add_patient(db, "CLI-3", "Cy Waiting")
        plans.save_draft(db, soon, "Nurse X", 1, PlanContent())
    finally:
        db.dispose()
    fixed_clock.at(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))
    return db_url


def test_json_is_the_documented_contract(clinic_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["worklist", "--json", "--db", clinic_url], capsys)
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert all(list(r) == CONTRACT_KEYS for r in rows)
    assert rows == [
        {"mrn": "CLI-1", "name": "Żaneta <b>Ó'Brien</b> & שלום", "kind": "overdue",
         "reason": "Review overdue by 10 days", "date": "2026-06-05", "days": -10, "author": None},
        {"mrn": "CLI-2", "name": "Bo Soon", "kind": "draft",
         "reason": "Unsaved draft by Nurse X since 1 June 2026, 11:30", "date": "2026-06-01", "days": -14,
         "author": "Nurse X"},
        {"mrn": "CLI-3", "name": "Cy Waiting", "kind": "no_plan", "reason": "No plan yet", "date": "2026-06-01",
         "days": -14, "author": None},
        {"mrn": "CLI-2", "name": "Bo Soon", "kind": "due_soon", "reason": "Review due in 5 days",
         "date": "2026-06-20", "days": 5, "author": None},
    ]
    code, out, _ = run(["worklist", "--json", "--days", "4", "--db", clinic_url], capsys)
    assert [r["kind"] for r in json.loads(out)] == ["overdue", "draft", "no_plan"]


def test_the_table_reads_most_urgent_first(clinic_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["worklist", "--db", clinic_url], capsys)
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["MRN", "Patient", "Date", "Reason"]
    assert [ln.split()[0] for ln in lines[1:]] == ["CLI-1", "CLI-2", "CLI-3", "CLI-2"]
    assert lines[1].endswith("2026-06-05  Review overdue by 10 days")
    assert "Żaneta <b>Ó'Brien</b> & שלום" in lines[1]  # typed text printed as typed


def test_nothing_to_do_says_so(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["worklist", "--create", "--db", sqlite_url], capsys)
    assert code == 0 and out.startswith("Nothing needs you")
    code, out, _ = run(["worklist", "--json", "--db", sqlite_url], capsys)
    assert json.loads(out) == []


@pytest.mark.parametrize("days", ["-1", str(MAX_DAYS + 1), "99999999999999999999999", "abc", "", "1.5", "٣"])
def test_a_bad_window_is_one_line_and_status_2(sqlite_url: str, days: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["worklist", "--days", days, "--db", sqlite_url], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("careplan: --days must be a whole number of days from 0 to 365")


def test_the_window_limits_match_the_service() -> None:
    # The command keeps its own copies so `careplan --help` loads no database library.
    assert worklist_commands.MAX_DAYS == MAX_DAYS
    assert DUE_SOON.days == worklist_commands.DEFAULT_DAYS
