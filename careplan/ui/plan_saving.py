"""Saving the plan: revisions, the reason, conflicts with someone else's save, autosaved drafts.

Writes are operations on the one worker thread (ui.operations); results come back as signals. The document
is never changed behind the user's back: a conflict keeps every edit, and a recovered draft
arrives as one undoable step.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from careplan.domain.diff import diff_contents
from careplan.domain.errors import CarePlanError, ValidationError
from careplan.domain.plan import PlanContent, Revision
from careplan.domain.rebase import reapply
from careplan.persistence import db_problems
from careplan.persistence.engine import Database, busy_timeout_ms
from careplan.services import changes
from careplan.services import plans as plan_service
from careplan.ui import conflict_dialog, crash, dialog_kit, identity, prompts
from careplan.ui.dialog_kit import local_time
from careplan.ui.operations import CollectionOp
from careplan.ui.plan_document import PlanDocument
from careplan.ui.prompt_decisions import accepted_rules, pending_accepts, reason_prefill
from careplan.ui.undo import ReplaceContent, applied_states, carry_over, mark_clean_at

AUTOSAVE_MS = 3000


class PlanSaver(QObject):
    message = Signal(str)
    """Something to tell the user in the status bar."""
    savingChanged = Signal(bool)  # noqa: N815 (Qt signal naming)
    """A save started (True) or ended (False)."""
    saved = Signal(int)
    """A revision (number) was stored."""
    draftKept = Signal()  # noqa: N815 (Qt signal naming)
    """The unsaved edits were written to the draft table (autosave)."""
    rebased = Signal()
    """The edits were put on top of someone else's newer revision."""

    def __init__(self, db: Database, settings: QSettings, doc: PlanDocument,
                 undo: QUndoStack, parent_widget: QWidget):
        super().__init__(parent_widget)
        self.db, self.settings = db, settings
        self.doc, self.undo = doc, undo
        self.widget = parent_widget
        self.saving = False
        self.draft_time = None
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.keep_draft)
        doc.changed.connect(self._edited)
        crash.register_keeper(parent_widget, self.keep_before_crash)

    def actor(self) -> str:
        return identity.current_actor(self.settings, self.db.server_name)

    # --- autosave --------------------------------------------------------------------------

    @Slot()
    def _edited(self) -> None:
        pid = self.doc.patient_id
        if pid is not None and self.doc.content == self.doc.base_content:
            # Undone back to the saved plan: drop the safety copy now, not in 3 s (a quit may come
            # first, and the next start would offer to "recover" the undone change).
            self.autosave.stop()
            self._write_draft(pid, self.actor(), None, "autosave")
            return
        self.autosave.start()  # restarts: 3 s after the last edit

    @Slot()
    def keep_draft(self) -> None:
        pid = self.doc.patient_id
        if pid is None:
            return
        # Undone back to the saved plan (content None): the safety copy would only confuse later.
        self._write_draft(pid, self.actor(), self.doc.content if self.doc.modified else None, "autosave")

    def _write_draft(self, pid: int, actor: str, content: PlanContent | None, name: str,
                     done: Callable[[bool], None] | None = None) -> None:
        db, base = self.db, self.doc.base_number

        def kept(_: object) -> None:
            if content is not None:
                self._draft_kept()
            if done is not None:
                done(True)

        def failed(error: BaseException) -> None:
            self._draft_failed(error)
            if done is not None:
                done(False)

        accepted = pending_accepts(self.undo) if content is not None else ()
        CollectionOp(self, lambda: changes.keep_draft(db, pid, actor, base, content, accepted)).success(kept).failure(
            failed).named(name).run_in_background()

    def keep_before_crash(self, done: Callable[[bool], None]) -> bool:
        """After an unexpected error: write the unsaved edits as a draft now. False if there are none."""
        pid = self.doc.patient_id
        if pid is None or not self.doc.modified:
            return False
        self.autosave.stop()
        self._write_draft(pid, self.actor(), self.doc.content, "crash-draft", done)
        return True

    def flush(self) -> None:
        """Before leaving this plan: write (or clear) the safety copy now rather than in 3 s."""
        if self.autosave.isActive():
            self.autosave.stop()
            self.keep_draft()

    def _draft_kept(self) -> None:
        from careplan.services.clock import utcnow

        self.draft_time = utcnow()
        self.draftKept.emit()

    def _draft_failed(self, error: BaseException) -> None:
        # Not fatal: the edits are still on screen; say so and try again after the next edit. A
        # server's refusal is said as the same one sentence as for saving, never the driver's text
        # (which can quote the SQL and the plan's values).
        sentence = db_problems.describe(error, self.db.describe(), busy_seconds=busy_timeout_ms() / 1000)
        self.message.emit(f"Could not keep a safety copy of your edits: {sentence or error} "
                          "They are still here; keep this window open.")

    def discard_draft(self) -> None:
        pid = self.doc.patient_id
        self.autosave.stop()
        if pid is not None:
            self._write_draft(pid, self.actor(), None, "discard-draft")

    # --- saving ----------------------------------------------------------------------------

    def save(self, problems: list[str], then: Callable[[], None] | None = None) -> bool:
        """Start saving a new revision; `then` runs once it is stored. False if not started."""
        doc = self.doc
        pid = doc.patient_id
        if pid is None:
            return False
        if self.saving:
            self.message.emit("Still saving the previous change\u2026")
            return False
        if problems:
            self.message.emit("Cannot save yet: " + " ".join(problems))
            return False
        if not doc.modified and doc.base_number > 0:
            self.message.emit("Nothing new to save.")
            if then:
                then()
            return False
        before = self.actor()
        actor = identity.ensure_actor(self.widget, self.settings, self.db.server_name)
        if not actor:
            self.message.emit("Not saved: every revision needs the name of the person saving it.")
            return False
        if actor != before:  # the safety copy was kept under the old name
            self._write_draft(pid, before, None, "discard-draft")
        number = doc.base_number + 1
        # Asked for revision 1 too: the history's first line then says what the plan was based on.
        reason = prompts.ask_reason(self.widget, number, reason_prefill(self.undo))
        if reason is None:
            self.message.emit("Not saved. Your changes are still here.")
            return False
        db, base, content, accepted = self.db, doc.base_number, doc.content, accepted_rules(self.undo)
        self._set_saving(True)
        self.autosave.stop()
        CollectionOp(self, lambda: changes.save_plan(db, pid, base_revision=base, content=content, author=actor,
                                                     reason=reason, accepted_rules=accepted)).success(
            lambda rev: self._saved(pid, rev, then)).failure(lambda e: self._failed(pid, e)).named(
            "save").run_in_background()
        self.message.emit(f"Saving revision {number}\u2026")
        return True

    def _set_saving(self, value: bool) -> None:
        self.saving = value
        self.savingChanged.emit(value)

    def _saved(self, pid: int, rev: Revision, then: Callable[[], None] | None) -> None:
        self._set_saving(False)
        if self.doc.patient_id != pid:
            return
        self.doc.mark_saved(rev)
        self.draft_time = None
        # Edits typed while the save ran are not in it: the saved point is the step that
        # matches what was stored, not wherever the user is now.
        mark_clean_at(self.undo, self.doc, rev.content)
        self.message.emit(f"Saved revision {rev.number}.")
        self.saved.emit(rev.number)
        if self.doc.modified:
            self.autosave.stop()
            self.keep_draft()  # edits made while saving stay unsaved, and are kept safe now
        if then:
            then()

    def _failed(self, pid: int, error: BaseException) -> None:
        self._set_saving(False)
        if self.doc.patient_id != pid:
            return
        self.autosave.start()
        if isinstance(error, plan_service.ConflictError):
            self._conflict(error)
        elif isinstance(error, ValidationError):
            dialog_kit.show_error(self.widget, "Not saved", "\n".join(p.message for p in error.problems))
        elif isinstance(error, CarePlanError):
            dialog_kit.show_error(self.widget, "Not saved", str(error))
        elif sentence := db_problems.describe(error, self.db.describe(), busy_seconds=busy_timeout_ms() / 1000):
            # The server refused it (a role without the grant, a lost connection): the edits stay
            # in the editor, and the autosave restarted above keeps them as a draft.
            dialog_kit.show_error(self.widget, "Not saved", f"{sentence} Your edits are still here.")
        else:
            crash.report_unexpected(type(error), error)  # keeps the edits as a draft, logs, says so

    def _conflict(self, error: plan_service.ConflictError) -> None:
        doc = self.doc
        mine = diff_contents(doc.base_content, doc.content)
        if not conflict_dialog.ask_conflict(self.widget, error, mine):
            self.message.emit("Not saved. Your edits are kept; saving again will show their changes again.")
            return
        # Each of my steps is carried onto their revision, so Ctrl+Z still undoes my last edit.
        theirs = error.theirs.content
        states = [reapply(doc.base_content, state, theirs) for state in applied_states(self.undo, doc)]
        doc.rebase(error.theirs, states[-1])
        carry_over(self.undo, doc, states, theirs)
        self.rebased.emit()
        self.message.emit(f"Your edits are now on top of revision {error.theirs.number} by "
                          f"{error.theirs.author}. Check the plan, then save again.")

    # --- drafts left behind ----------------------------------------------------------------

    def offer_draft(self, recover: bool | None, draft: plan_service.Draft | None,
                    draft_base: PlanContent | None) -> None:
        """After opening a patient: bring back edits autosaved but never saved, if any.

        `draft_base` is the revision the draft was made on, when the plan moved on since.
        recover=True skips the question (the user already said yes at start-up).
        """
        doc = self.doc
        pid = doc.patient_id
        if pid is None or draft is None:
            return
        if draft.base_revision == doc.base_number and draft.content == doc.base_content:
            self.discard_draft()
            return
        note = ""
        if draft.base_revision != doc.base_number:
            note = (f"The plan was saved again since (now revision {doc.base_number}); your changes "
                    "will be re-applied on top of it.")
        name = doc.patient.full_name if doc.patient else ""
        choice = "recover" if recover else prompts.ask_recover_draft(self.widget, name, draft.saved_at, note)
        if choice == "discard":
            self.discard_draft()
            self.message.emit("The unsaved changes were discarded.")
            return
        if choice != "recover":
            self.message.emit("The unsaved changes are kept for later; they are replaced once you edit this plan.")
            return
        target = draft.content
        if draft.base_revision != doc.base_number:
            target = reapply(draft_base or PlanContent(), draft.content, doc.base_content)
        step = ReplaceContent(doc, doc.content, target, "recover unsaved changes")
        step.carried_accepts = draft.accepted  # prompts accepted before: recorded when this plan is saved
        self.undo.push(step)
        self.message.emit(f"Recovered your unsaved changes from {local_time(draft.saved_at)}. "
                          "Check them, then save (Ctrl+S).")
