"""Guideline prompts through the services and the CLI, on SQLite and PostgreSQL: decisions are
append-only and audited, accepting is one transaction, clinic edits survive an upgrade, bad input
saves nothing, and the --json shape is the issue's."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from careplan.cli import main
from careplan.domain.course import Assessment
from careplan.domain.errors import CarePlanError
from careplan.domain.lifecycle import DischargeReason, PlanReadOnlyError
from careplan.persistence.engine import Database
from careplan.persistence.models import PromptDecisionRow
from careplan.services import audit, catalogue, changes, prompts, rules
from careplan.services.check import check_database
from careplan.services.clock import today
from careplan.services.course import add_assessment
from careplan.services.demo import generate_demo
from careplan.services.demo_removal import remove_demo_patients
from careplan.services.lifecycle import discharge
from careplan.services.patients import get_patient, search_patients, update_patient
from careplan.services.plans import ConflictError, load_plan, save_revision
from tests.history_builders import make_patient

JSON_KEYS = ["rule", "title", "triggered_by", "source", "suggested_items", "state", "decided_by", "decided_at",
             "reason"]


def url(db: Database) -> str:
    return str(db.path) if db.path else db.engine.url.render_as_string(hide_password=False)


def run(db: Database, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--db", url(db)])
    out, err = capsys.readouterr()
    return code, out, err


def low_fvc_patient(db: Database, mrn: str = "P-1", fvc: float = 45) -> int:
    catalogue.sync_catalogue(db)
    rules.sync_rules(db)
    p = make_patient(db, mrn)
    update_patient(db, replace(p, usual_weight_kg=80.0), actor="t")
    add_assessment(db, p.id or 0, Assessment(today(), "Nurse Ada", fvc_pct=fvc, weight_kg=80))
    return p.id or 0


def decision_count(db: Database) -> int:
    with db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(PromptDecisionRow)) or 0)


def test_reading_prompts_writes_nothing(db: Database) -> None:
    pid = low_fvc_patient(db)
    before = len(audit.list_events(db))
    found = {p.rule: p for p in prompts.prompts_for(db, pid)}
    assert found["niv_fvc_below_50"].state == "open"
    [trigger] = found["niv_fvc_below_50"].triggered_by
    assert (trigger.what, trigger.value, trigger.on) == ("FVC % predicted", "45", today())
    assert len(audit.list_events(db)) == before and decision_count(db) == 0
    assert prompts.open_prompt_counts(db) == {pid: sum(p.state == "open" for p in found.values())}


def test_decisions_are_append_only_in_the_database(db: Database) -> None:
    pid = low_fvc_patient(db)
    prompts.dismiss(db, pid, "niv_fvc_below_50", reason="Seen by respiratory team", actor="Nurse Ada")
    for sql in ("UPDATE prompt_decisions SET reason = 'changed'", "DELETE FROM prompt_decisions"):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as c:
            c.execute(text(sql))
    assert decision_count(db) == 1
    [event] = [e for e in audit.list_events(db) if e.action == "prompt.dismissed"]
    assert (event.actor, event.entity_key, event.details["triggered_by"]) == (
        "Nurse Ada", "niv_fvc_below_50", ["FVC % predicted: 45"])
    assert check_database(db).ok


def test_demo_patients_take_their_decisions_with_them(db: Database) -> None:
    real = low_fvc_patient(db, "REAL")
    generate_demo(db, patients=1, seed=3, actor="t")
    demo = next(p for p in search_patients(db, "") if p.mrn.startswith("DEMO-"))
    add_assessment(db, demo.id, Assessment(today(), "t", fvc_pct=40))
    prompts.dismiss(db, demo.id, "niv_fvc_below_50", reason="demo", actor="t")
    prompts.dismiss(db, real, "niv_fvc_below_50", reason="real", actor="t")
    remove_demo_patients(db, actor="t")
    with db.reading() as s:
        assert list(s.scalars(select(PromptDecisionRow.reason))) == ["real"]


def test_other_windows_hear_of_a_decision(db: Database) -> None:
    pid = low_fvc_patient(db)
    last = changes.last_event_id(db)
    prompts.dismiss(db, pid, "niv_fvc_below_50", reason="Later", actor="Nurse Ada")
    assert changes.changes_from_events(changes.events_after(db, last)).touches_patient(pid)


def test_dismiss_needs_a_reason_and_keeps_it_as_typed(db: Database) -> None:
    pid = low_fvc_patient(db)
    for blank in ("", "   "):
        with pytest.raises(CarePlanError, match="reason cannot be empty"):
            prompts.dismiss(db, pid, "niv_fvc_below_50", reason=blank, actor="Nurse Ada")
    assert decision_count(db) == 0
    hostile = "<b>wait</b> & see 🙂 שלום"
    prompts.dismiss(db, pid, "niv_fvc_below_50", reason=hostile, actor="Nurse Ada")
    [p] = [p for p in prompts.prompts_for(db, pid) if p.rule == "niv_fvc_below_50"]
    assert (p.state, p.reason, p.decided_by) == ("dismissed", hostile, "Nurse Ada")


def test_unknown_and_inapplicable_rules_are_refused(db: Database) -> None:
    pid = low_fvc_patient(db)
    with pytest.raises(CarePlanError, match="no guideline rule 'nope'"):
        prompts.accept(db, pid, "nope", actor="t")
    with pytest.raises(CarePlanError, match="does not prompt anything for this patient now"):
        prompts.dismiss(db, pid, "acp_yearly", reason="x", actor="t")
    assert decision_count(db) == 0


def test_accepting_is_one_revision_with_the_decision(db: Database) -> None:
    pid = low_fvc_patient(db)
    rev = prompts.accept(db, pid, "niv_fvc_below_50", actor="Nurse Ada", reason="Agreed at clinic")
    [p] = [p for p in prompts.prompts_for(db, pid) if p.rule == "niv_fvc_below_50"]
    assert rev.reason == prompts.accepted_reason(p) + ": Agreed at clinic"
    assert [i.catalogue_code for i in rev.content.items] == ["resp_niv"]
    with db.reading() as s:
        [row] = s.scalars(select(PromptDecisionRow))
    assert (row.decision, row.revision, row.actor) == ("accepted", rev.number, "Nurse Ada")
    assert (p.state, p.decided_by) == ("accepted", "Nurse Ada")


def test_a_save_that_conflicts_records_no_decision(db: Database) -> None:
    pid = low_fvc_patient(db)
    state = load_plan(db, pid)
    content = state.content()
    save_revision(db, pid, base_revision=0, content=content, author="Other", reason="First")
    with pytest.raises(ConflictError):
        save_revision(db, pid, base_revision=0, content=content, author="Nurse Ada", reason="Mine",
                      accepted_rules=["niv_fvc_below_50"])
    assert decision_count(db) == 0
    save_revision(db, pid, base_revision=1, content=content, author="Nurse Ada", reason="Mine",
                  accepted_rules=["niv_fvc_below_50"])
    assert decision_count(db) == 1


def test_a_read_only_patient_gets_no_decisions(db: Database) -> None:
    pid = low_fvc_patient(db)
    p = get_patient(db, pid)
    discharge(db, pid, reason=next(iter(DischargeReason)), version=p.version, actor="t")
    with pytest.raises(PlanReadOnlyError):
        prompts.dismiss(db, pid, "niv_fvc_below_50", reason="x", actor="t")
    with pytest.raises(PlanReadOnlyError):
        prompts.accept(db, pid, "niv_fvc_below_50", actor="t")
    assert decision_count(db) == 0 and prompts.open_prompt_counts(db) == {}


def test_an_upgrade_keeps_the_clinics_edits_and_updates_the_rest(db: Database, tmp_path: Path) -> None:
    catalogue.sync_catalogue(db)
    assert rules.sync_rules(db)["added"] == len(rules.shipped_rules())
    mine = rules.get_rule(db, "niv_fvc_below_50")
    path = tmp_path / "ours.yaml"
    path.write_text(rules.rules_as_yaml([replace(mine, when={"fact": "fvc_percent", "below": 55})]), encoding="utf-8")
    rules.import_rules(db, path, actor="Dr Lead")
    newer = [replace(r, rationale=r.rationale + " (2027 wording)") for r in rules.shipped_rules()]
    counts = rules.sync_rules(db, newer)
    assert counts == {"added": 0, "updated": len(newer) - 1, "kept_clinic_edits": 1}
    assert rules.get_rule(db, "niv_fvc_below_50").when == {"fact": "fvc_percent", "below": 55}
    assert rules.get_rule(db, "niv_snip_below_40").rationale.endswith("(2027 wording)")


def test_retired_rules_stop_prompting_and_come_back(db: Database) -> None:
    pid = low_fvc_patient(db)
    assert rules.set_rule_active(db, "niv_fvc_below_50", False, actor="Dr Lead")
    assert "niv_fvc_below_50" not in {p.rule for p in prompts.prompts_for(db, pid)}
    assert rules.set_rule_active(db, "niv_fvc_below_50", True, actor="Dr Lead")
    assert "niv_fvc_below_50" in {p.rule for p in prompts.prompts_for(db, pid)}
    actions = [e.action for e in audit.list_events(db)]
    assert {"rule.retired", "rule.reactivated"} <= set(actions)


def test_cli_prompts_json_and_decisions(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    low_fvc_patient(db)
    code, out, err = run(db, capsys, "prompts", "P-1", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert all(list(p) == JSON_KEYS for p in doc)
    niv = next(p for p in doc if p["rule"] == "niv_fvc_below_50")
    assert niv["triggered_by"] == [{"what": "FVC % predicted", "value": "45", "on": today().isoformat()}]
    assert (niv["state"], niv["suggested_items"]) == ("open", ["resp_niv"])
    code, out, err = run(db, capsys, "prompts", "P-1", "--dismiss", "niv_fvc_below_50", "--reason", "Later",
                         "--author", "Nurse Ada")
    assert code == 0, err
    code, out, _ = run(db, capsys, "prompts", "P-1", "--json")
    niv = next(p for p in json.loads(out) if p["rule"] == "niv_fvc_below_50")
    assert (niv["state"], niv["decided_by"], niv["reason"]) == ("dismissed", "Nurse Ada", "Later")
    code, out, err = run(db, capsys, "prompts", "P-1", "--accept", "gastrostomy_fvc_near_50")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "does not prompt anything" in err


@pytest.mark.parametrize(("args", "needle"), [
    (("prompts", "NOPE"), "No patient has the MRN 'NOPE'"),
    (("prompts", "P-1", "--dismiss", "nope"), "Say why the prompt is dismissed"),
    (("prompts", "P-1", "--accept", "nope"), "no guideline rule 'nope'"),
    (("rules", "retire", "nope"), "no guideline rule 'nope'"),
])
def test_cli_bad_input_is_one_line_and_exit_2(db: Database, capsys: pytest.CaptureFixture[str],
                                              args: tuple[str, ...], needle: str) -> None:
    low_fvc_patient(db)
    code, out, err = run(db, capsys, *args)
    assert (code, out) == (2, "") and err.count("\n") == 1 and needle in err, err
    assert decision_count(db) == 0


def test_cli_rules_import_export_and_a_bad_file(db: Database, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    low_fvc_patient(db)
    code, out, _ = run(db, capsys, "rules", "--json")
    assert code == 0 and len(json.loads(out)) == len(rules.shipped_rules())
    exported = tmp_path / "rules.yaml"
    assert run(db, capsys, "rules", "export", "--out", str(exported))[0] == 0
    assert rules.load_rules_file(exported, catalogue_codes={i.code for i in catalogue.shipped_catalogue()})
    code, out, _ = run(db, capsys, "rules", "import", str(exported))
    assert code == 0 and f"0 added, 0 edited, {len(rules.shipped_rules())} unchanged" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(exported.read_text(encoding="utf-8").replace("fvc_percent", "fvc_pct", 1), encoding="utf-8")
    before = rules.list_rules(db)
    code, out, err = run(db, capsys, "rules", "import", str(bad))
    assert code == 2 and "bad.yaml, line" in err and "'fvc_pct' is not a known fact" in err
    assert rules.list_rules(db) == before
    code, out, _ = run(db, capsys, "rules", "retire", "acp_yearly")
    assert code == 0 and "retired" in out
    assert "acp_yearly" not in {r.code for r in rules.list_rules(db)}


def test_open_prompt_counts_per_patient(db: Database) -> None:
    a = low_fvc_patient(db, "A-1", fvc=45)
    b = low_fvc_patient(db, "B-1", fvc=95)
    counts = prompts.open_prompt_counts(db)
    assert counts[a] == counts.get(b, 0) + 1  # only A's FVC is below 50
    prompts.dismiss(db, a, "niv_fvc_below_50", reason="x", actor="t")
    assert prompts.open_prompt_counts(db).get(a, 0) == counts[a] - 1
    # Asked about a day before any visit: nothing measured yet, so breathing tests and weight are due.
    assert prompts.open_prompt_counts(db, on=date(2000, 1, 1)) == {a: 2, b: 2}
