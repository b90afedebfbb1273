"""The clinic's starter plans in the database: seeded, upgraded without losing edits, added, edited, retired.

SQLite and PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.domain.errors import CarePlanError
from careplan.domain.plan import ItemStatus
from careplan.domain.team import Role
from careplan.domain.templates import Template, TemplateItem
from careplan.persistence.engine import Database
from careplan.services import audit, catalogue, template_store
from careplan.services.templates import apply_template, shipped_templates
from tests.history_builders import make_patient
from tests.history_fixtures import snapshot

OWN = Template(code="clinic_walking", version=1, title="Our walking plan", applies_when="When walking gets harder.",
               source="Clinic protocol 2026",
               items=(TemplateItem("pt_walker", Role.PHYSIOTHERAPIST, ItemStatus.ACTIVE, "Daily", "Walk safely."),))


@pytest.fixture
def seeded(db: Database) -> Database:
    catalogue.sync_catalogue(db)
    template_store.sync_templates(db)
    return db


def test_first_run_seeds_every_shipped_template_in_file_order(db: Database) -> None:
    catalogue.sync_catalogue(db)
    assert template_store.sync_templates(db) == {"added": 5, "updated": 0, "kept_clinic_edits": 0}
    listed = template_store.list_templates(db)
    assert [replace(t, row_version=0) for t in listed] == list(shipped_templates())
    assert all(t.active and not t.custom and t.edited_by is None for t in listed)
    assert template_store.sync_templates(db) == {"added": 0, "updated": 0, "kept_clinic_edits": 0}
    assert [e.action for e in audit.list_events(db)] == ["template.seeded", "catalogue.seeded"]  # newest first


def test_the_start_up_sync_runs_only_when_the_shipped_file_changed(db: Database) -> None:
    assert template_store.sync_shipped_templates_if_changed(db) == {"added": 5, "updated": 0, "kept_clinic_edits": 0}
    assert template_store.sync_shipped_templates_if_changed(db) is None


def test_an_upgrade_updates_untouched_templates_and_leaves_edited_ones_alone(seeded: Database) -> None:
    shipped = list(shipped_templates())
    edited, retired, untouched = shipped[0], shipped[1], shipped[2]
    ours = replace(edited, title="Newly diagnosed (our clinic)")
    template_store.edit_template(seeded, ours, actor="Nurse A")
    template_store.set_active(seeded, retired.code, False, actor="Nurse A")
    newer = [
        replace(edited, version=2, title="Newly diagnosed (vendor v2)"),
        replace(retired, version=2, applies_when="Vendor's new words."),
        replace(untouched, version=2, items=untouched.items[:-1]),
        *shipped[3:],
        replace(shipped[3], code="brand_new_phase", title="A new phase"),
    ]
    assert template_store.sync_templates(seeded, newer) == {"added": 1, "updated": 2, "kept_clinic_edits": 1}
    now = {t.code: t for t in template_store.list_templates(seeded, include_retired=True)}
    assert (now[edited.code].title, now[edited.code].version) == ("Newly diagnosed (our clinic)", 2)
    assert now[edited.code].edited_by == "Nurse A"
    # Retiring is not an edit of the text: the vendor's words arrive, the clinic's "retired" stays.
    assert (now[retired.code].applies_when, now[retired.code].active) == ("Vendor's new words.", False)
    assert (now[untouched.code].version, now[untouched.code].items) == (2, untouched.items[:-1])
    assert now["brand_new_phase"].title == "A new phase" and not now["brand_new_phase"].custom
    # Another sync with the same file changes nothing, and the clinic's own templates are never touched.
    template_store.add_templates(seeded, [OWN], actor="Nurse A")
    before = snapshot(seeded)
    assert template_store.sync_templates(seeded, [*newer, replace(OWN, title="Vendor's")])["added"] == 0
    assert snapshot(seeded) == before


def test_add_edit_retire_reinstate_are_audited_and_the_version_goes_up(seeded: Database) -> None:
    [added] = template_store.add_templates(seeded, [OWN], actor="Nurse A")
    assert added.custom and added.edited_by == "Nurse A"
    edited = template_store.edit_template(seeded, replace(OWN, title="Walking plan v2"), actor="Nurse B")
    assert (edited.version, edited.title, edited.edited_by) == (2, "Walking plan v2", "Nurse B")
    # The same content again saves nothing and keeps the version.
    assert template_store.edit_template(seeded, replace(OWN, title="Walking plan v2"), actor="Nurse C").version == 2
    # A higher version in the file is kept as written.
    assert template_store.edit_template(seeded, replace(OWN, version=7), actor="Nurse B").version == 7
    template_store.set_active(seeded, OWN.code, False, actor="Nurse B")
    assert OWN.code not in {t.code for t in template_store.list_templates(seeded)}
    template_store.set_active(seeded, OWN.code, False, actor="Nurse B")  # already retired: no new event
    template_store.set_active(seeded, OWN.code, True, actor="Nurse B")
    events = [(e.action, e.entity_key, e.actor) for e in reversed(audit.list_events(seeded))
              if e.action.startswith("template.")]
    assert events[1:] == [("template.added", OWN.code, "Nurse A"), ("template.edited", OWN.code, "Nurse B"),
                          ("template.edited", OWN.code, "Nurse B"), ("template.retired", OWN.code, "Nurse B"),
                          ("template.reinstated", OWN.code, "Nurse B")]
    edit = next(e for e in reversed(audit.list_events(seeded)) if e.action == "template.edited")
    assert edit.details["fields"]["title"] == {"before": "Our walking plan", "after": "Walking plan v2"}
    # How the audit window says them.
    from careplan.ui.audit_text import summarise

    said = {e.action: summarise(e) for e in reversed(audit.list_events(seeded)) if e.action.startswith("template.")}
    assert said == {"template.seeded": "5 starter plans added and 0 updated from CarePlan's starter plans.",
                    "template.added": "Starter plan clinic_walking (version 1).",
                    "template.edited": "Starter plan clinic_walking: changed title, version.",
                    "template.retired": "Starter plan clinic_walking (version 7).",
                    "template.reinstated": "Starter plan clinic_walking (version 7)."}


def test_a_used_code_unknown_code_or_stale_version_changes_nothing(seeded: Database) -> None:
    template_store.add_templates(seeded, [OWN], actor="Nurse A")
    stale = template_store.get_template(seeded, OWN.code).row_version
    template_store.edit_template(seeded, replace(OWN, title="Someone else's"), actor="Nurse B")
    before = snapshot(seeded)
    with pytest.raises(CarePlanError, match="already exists"):
        template_store.add_templates(seeded, [replace(OWN, title="Again")], actor="Nurse A")
    with pytest.raises(CarePlanError, match=r"There is no starter plan 'no_such'; the known codes are: newly_diagnosed"):
        template_store.set_active(seeded, "no_such", False, actor="Nurse A")
    with pytest.raises(template_store.TemplateConflictError, match="Nurse B changed the starter plan"):
        template_store.set_active(seeded, OWN.code, False, actor="Nurse A", expected_version=stale)
    with pytest.raises(template_store.TemplateConflictError):
        template_store.edit_template(seeded, replace(OWN, title="Mine"), actor="Nurse A", expected_version=stale)
    assert snapshot(seeded) == before


def test_applying_names_the_stored_version_and_a_retired_template_is_refused(seeded: Database) -> None:
    p = make_patient(seeded, "T-9")
    template_store.edit_template(seeded, replace(shipped_templates()[2], title="NIV start"), actor="Lead")
    applied = apply_template(seeded, p.id or 0, "starting_niv", author="Nurse", reason="FVC 48%")
    assert applied.revision is not None and applied.revision.reason == "Template NIV start v2: FVC 48%"
    template_store.set_active(seeded, "feeding_tube", False, actor="Lead")
    before = snapshot(seeded)
    with pytest.raises(CarePlanError, match=r"^The starter plan 'feeding_tube' .* is retired; reinstate it first"):
        apply_template(seeded, p.id or 0, "feeding_tube", author="Nurse", reason="weight down")
    assert snapshot(seeded) == before


# Letters of every script (RTL too), digits, punctuation (markup such as <b> & "), symbols and emoji.
TEXT = st.text(st.characters(whitelist_categories=("L", "N", "P", "Zs", "S")), min_size=1, max_size=60).filter(str.strip)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, applies=TEXT, source=TEXT, goal=TEXT, frequency=TEXT,
       status=st.sampled_from([ItemStatus.PLANNED, ItemStatus.ACTIVE, ItemStatus.ON_HOLD]),
       role=st.sampled_from(list(Role)))
def test_every_field_is_stored_exactly(seeded: Database, title: str, applies: str, source: str, goal: str,
                                       frequency: str, status: ItemStatus, role: Role) -> None:
    new = Template(code=OWN.code, version=1, title=title.strip(), applies_when=applies.strip(), source=source.strip(),
                   items=(TemplateItem("pt_walker", role, status, frequency.strip(), goal.strip()),))
    if OWN.code in {t.code for t in template_store.list_templates(seeded, include_retired=True)}:
        saved = template_store.edit_template(seeded, new, actor="Nurse")
    else:
        [saved] = template_store.add_templates(seeded, [new], actor="Nurse")
    got = template_store.get_template(seeded, OWN.code)
    assert (got.title, got.applies_when, got.source, got.items) == (new.title, new.applies_when, new.source, new.items)
    assert got.version == saved.version
