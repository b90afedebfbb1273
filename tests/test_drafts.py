"""A save removes the author's autosaved draft only when everything in it was saved.

The draft is the only copy of unsaved edits if the app dies. A restore made from History (or a
save from another window) by the same coordinator must leave a draft that holds newer edits.
"""

from __future__ import annotations

from dataclasses import replace

from careplan.domain.plan import Goal
from careplan.persistence.engine import Database
from careplan.services import plans
from tests.history_builders import make_patient, plan_with


def _two_revisions(db: Database) -> int:
    p = make_patient(db, "D-2")
    assert p.id is not None
    plans.save_revision(db, p.id, base_revision=0, content=plan_with(2), author="Nurse A", reason="")
    plans.save_revision(db, p.id, base_revision=1, content=plan_with(3), author="Nurse A", reason="Added one")
    return p.id


def test_restore_keeps_a_draft_with_edits_it_does_not_contain(db: Database) -> None:
    pid = _two_revisions(db)
    mine = replace(plan_with(4), goals=(Goal("Mine, not saved yet"),))
    plans.save_draft(db, pid, "Nurse A", 2, mine)
    plans.restore_revision(db, pid, 1, base_revision=2, author="Nurse A")
    draft = plans.load_draft(db, pid, "Nurse A")
    assert draft is not None and draft.content == mine and draft.base_revision == 2


def test_save_from_elsewhere_keeps_a_draft_with_newer_edits(db: Database) -> None:
    pid = _two_revisions(db)
    mine = plan_with(5)
    plans.save_draft(db, pid, "Nurse A", 2, mine)
    plans.save_revision(db, pid, base_revision=2, content=plan_with(4), author="Nurse A", reason="Another window")
    draft = plans.load_draft(db, pid, "Nurse A")
    assert draft is not None and draft.content == mine


def test_save_of_the_drafts_edits_removes_it(db: Database) -> None:
    pid = _two_revisions(db)
    plans.save_draft(db, pid, "Nurse A", 2, plan_with(4))
    plans.save_draft(db, pid, "Nurse B", 2, plan_with(5))
    # The autosave ran before the last keystrokes: what is saved holds the draft and more.
    saved = replace(plan_with(4), goals=(Goal("Typed after the autosave"),))
    plans.save_revision(db, pid, base_revision=2, content=saved, author="Nurse A", reason="Review")
    assert plans.load_draft(db, pid, "Nurse A") is None
    assert plans.load_draft(db, pid, "Nurse B") is not None  # someone else's work is theirs


def test_draft_on_an_older_revision_is_removed_once_its_edits_are_saved(db: Database) -> None:
    pid = _two_revisions(db)
    # Made on revision 1: one more item. Revision 2 added that item already, so nothing is left.
    plans.save_draft(db, pid, "Nurse A", 1, plan_with(3))
    plans.save_revision(db, pid, base_revision=2, content=plan_with(3), author="Nurse A", reason="Same again")
    assert plans.load_draft(db, pid, "Nurse A") is None


def test_a_draft_that_cannot_be_read_does_not_block_the_save(db: Database) -> None:
    from sqlalchemy import select, update

    from careplan.persistence.models import PlanDraftRow

    pid = _two_revisions(db)
    plans.save_draft(db, pid, "Nurse A", 2, plan_with(4))
    with db.transaction() as s:
        s.execute(update(PlanDraftRow).values(content_json='{"items": [{"discipline": "no such"}]}'))
    rev = plans.save_revision(db, pid, base_revision=2, content=plan_with(4), author="Nurse A", reason="Review")
    assert rev.number == 3
    with db.reading() as s:  # kept: nobody can tell what it holds, so it is not thrown away
        assert s.scalar(select(PlanDraftRow.id)) is not None


def test_a_draft_keeps_the_prompts_accepted_in_it_and_reads_older_drafts_without_them(db: Database) -> None:
    """The pending acceptances ride in the draft's JSON under their own key; a draft written before
    they did (or by an older CarePlan) reads back with none, and its content is the same either way."""
    from sqlalchemy import select

    from careplan.persistence.models import PlanDraftRow

    pid = _two_revisions(db)
    accepted = (("niv_fvc_below_50", "Accepted guideline prompt 'NIV <b>' (niv_fvc_below_50)"),
                ("acp_yearly", "Accepted guideline prompt 'ACP & 🙂 שלום' (acp_yearly)"))
    plans.save_draft(db, pid, "Nurse A", 2, plan_with(4), accepted)
    draft = plans.load_draft(db, pid, "Nurse A")
    assert draft is not None and draft.accepted == accepted and draft.content == plan_with(4)
    assert [d.accepted for d in plans.drafts_for(db, "Nurse A")] == [accepted]
    plans.save_draft(db, pid, "Nurse A", 2, plan_with(4))  # the acceptance undone: the next autosave drops it
    assert plans.load_draft(db, pid, "Nurse A").accepted == ()  # type: ignore[union-attr]
    with db.transaction() as s:
        row = s.scalar(select(PlanDraftRow).where(PlanDraftRow.patient_id == pid))
        assert row is not None and plans.ACCEPTED_KEY not in row.content_json
