"""Issue 17's "done when" for templates: apply + undo leaves the plan exactly as it was; an upgrade keeps edits.

The GUI's undo is tested in tests/test_ui_templates.py; here, the service: applying adds only
the missing items and leaves every existing one byte for byte, and restoring the revision before
it (how a saved plan is taken back) gives back exactly the plan it was.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.domain.plan import ItemStatus, PlanContent
from careplan.persistence.engine import Database
from careplan.services import catalogue, plans, template_store
from careplan.services.templates import apply_template, preview, shipped_templates
from tests.history_builders import make_patient

CODES = [t.code for t in shipped_templates()]
_mrns = itertools.count(1)


@pytest.fixture
def seeded(db: Database) -> Database:
    catalogue.sync_catalogue(db)
    template_store.sync_templates(db)
    return db


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.sampled_from(CODES), other=st.sampled_from(CODES), keep=st.lists(st.booleans(), min_size=12, max_size=12),
       words=st.text(min_size=1, max_size=30).filter(lambda s: s.strip() and s.isprintable()))
def test_apply_then_restore_gives_back_exactly_the_plan(seeded: Database, code: str, other: str, keep: list[bool],
                                                        words: str) -> None:
    p = make_patient(seeded, f"U-{next(_mrns)}")
    pid = p.id or 0
    # A plan that already holds some of the template's items, edited by the coordinator, and another template's.
    _, offered = preview(seeded, pid, other)
    mine = tuple(replace(i, notes=words, status=ItemStatus.ON_HOLD) for i, k in zip(offered, keep, strict=False) if k)
    plans.save_revision(seeded, pid, base_revision=0, content=PlanContent(items=mine), author="Nurse", reason="start")
    before = plans.load_plan(seeded, pid)
    applied = apply_template(seeded, pid, code, author="Nurse", reason=words)
    after = plans.load_plan(seeded, pid)
    if applied.revision is None:
        assert after.number == before.number
        return
    assert after.latest is not None and after.latest.content.items[:len(mine)] == mine  # untouched, in order
    assert {i.catalogue_code for i in after.latest.content.items} == (
        {i.catalogue_code for i in mine} | {t.code for t in template_store.get_template(seeded, code).items})
    plans.restore_revision(seeded, pid, before.number, base_revision=after.number, author="Nurse")
    restored = plans.load_plan(seeded, pid)
    assert before.latest is not None and restored.latest is not None
    assert restored.latest.content == before.latest.content


def test_an_upgraded_shipped_file_updates_untouched_templates_and_keeps_edited_ones(
        seeded: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The start-up path itself: a newer templates.yaml, noticed by its digest, synced without losing edits."""
    template_store.edit_template(seeded, replace(shipped_templates()[0], title="Our first visit"), actor="Lead")
    text = template_store.TEMPLATES_FILE.read_text(encoding="utf-8")
    newer = text.replace("title: Newly diagnosed", "title: Newly diagnosed (new)").replace(
        "title: Starting NIV", "title: Starting NIV (new)")
    assert newer.count("(new)") == 2
    (tmp_path / "templates.yaml").write_text(newer, encoding="utf-8")
    monkeypatch.setattr(template_store, "TEMPLATES_FILE", tmp_path / "templates.yaml")
    template_store.shipped_templates.cache_clear()
    try:
        assert template_store.sync_shipped_templates_if_changed(seeded) == {
            "added": 0, "updated": 1, "kept_clinic_edits": 1}
        assert template_store.sync_shipped_templates_if_changed(seeded) is None
    finally:
        template_store.shipped_templates.cache_clear()
    titles = {t.code: t.title for t in template_store.list_templates(seeded)}
    assert titles["newly_diagnosed"] == "Our first visit" and titles["starting_niv"] == "Starting NIV (new)"
