"""Saving the plan: revisions, the reason, conflicts with someone else's save, autosaved drafts.

Writes go through the single background worker; results come back as signals. The document
is never changed behind the user's back: a conflict keeps every edit, and a recovered draft
arrives as one undoable step.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from careplan.domain.diff import diff_contents
from careplan.domain.errors import CarePlanError, ValidationError
from careplan.domain.plan import PlanContent, Revision
from careplan.domain.rebase import reapply
from careplan.persistence.engine import Database
from careplan.services import plans as plan_service
from careplan.ui import conflict_dialog, identity, prompts
from careplan.ui.plan_document import PlanDocument
from careplan.ui.undo import ReplaceContent
from careplan.ui.worker import Worker

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

    def __init__(self, db: Database, worker: Worker, settings: QSettings, doc: PlanDocument,
                 undo: QUndoStack, parent_widget: QWidget):
        super().__init__(parent_widget)
        self.db, self.worker, self.settings = db, worker, settings
        self.doc, self.undo = doc, undo
        self.widget = parent_widget
        self.saving = False
        self.draft_time = None
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.keep_draft)
        doc.changed.connect(self._edited)

    def actor(self) -> str:
        return identity.current_actor(self.settings)

    # --- autosave --------------------------------------------------------------------------

    @Slot()
    def _edited(self) -> None:
        self.autosave.start()  # restarts: 3 s after the last edit

    @Slot()
    def keep_draft(self) -> None:
        pid = self.doc.patient_id
        if pid is None:
            return
        actor, base, content = self.actor(), self.doc.base_number, self.doc.content
        if self.doc.modified:
            self.worker.submit(lambda: plan_service.save_draft(self.db, pid, actor, base, content),
                               name="autosave", done=lambda _r: self._draft_kept(), failed=self._draft_failed)
        else:  # undone back to the saved plan: the safety copy would only confuse later
            self.worker.submit(lambda: plan_service.discard_draft(self.db, pid, actor), name="autosave",
                               failed=self._draft_failed)

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
        # Not fatal: the edits are still on screen; say so and try again after the next edit.
        self.message.emit(f"Could not keep a safety copy of your edits: {error}")

    def discard_draft(self) -> None:
        pid, actor = self.doc.patient_id, self.actor()
        self.autosave.stop()
        if pid is not None:
            self.worker.submit(lambda: plan_service.discard_draft(self.db, pid, actor), name="discard-draft",
                               failed=self._draft_failed)

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
        actor = identity.ensure_actor(self.widget, self.settings)
        if not actor:
            self.message.emit("Not saved: every revision needs the name of the person saving it.")
            return False
        if actor != before:  # the safety copy was kept under the old name
            self.worker.submit(lambda: plan_service.discard_draft(self.db, pid, before), name="discard-draft",
                               failed=self._draft_failed)
        number = doc.base_number + 1
        reason = ""
        if number > 1:
            asked = prompts.ask_reason(self.widget, number)
            if asked is None:
                self.message.emit("Not saved. Your changes are still here.")
                return False
            reason = asked
        base, content = doc.base_number, doc.content
        self._set_saving(True)
        self.autosave.stop()
        self.worker.submit(
            lambda: plan_service.save_revision(self.db, pid, base_revision=base, content=content,
                                               author=actor, reason=reason),
            name="save",
            done=lambda rev: self._saved(pid, rev, then),
            failed=lambda e: self._failed(pid, e),
        )
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
        self.undo.setClean()
        self.message.emit(f"Saved revision {rev.number}.")
        self.saved.emit(rev.number)
        if self.doc.modified:
            self.autosave.start()  # edits made while saving stay unsaved, and kept safe
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
            prompts.show_error(self.widget, "Not saved", "\n".join(p.message for p in error.problems))
        elif isinstance(error, CarePlanError):
            prompts.show_error(self.widget, "Not saved", str(error))
        else:
            # Unexpected: keep the details for whoever looks into it, tell the user plainly.
            print(getattr(error, "__traceback_text__", repr(error)), file=sys.stderr)
            prompts.show_error(self.widget, "Not saved",
                               f"Something went wrong while saving ({error.__class__.__name__}: {error}). "
                               "Your changes are still here; try again.")

    def _conflict(self, error: plan_service.ConflictError) -> None:
        doc = self.doc
        mine = diff_contents(doc.base_content, doc.content)
        if not conflict_dialog.ask_conflict(self.widget, error, mine):
            self.message.emit("Not saved. Your edits are kept; saving again will show their changes again.")
            return
        merged = reapply(doc.base_content, doc.content, error.theirs.content)
        doc.rebase(error.theirs, merged)
        self.undo.clear()
        self.message.emit(f"Your edits are now on top of revision {error.theirs.number} by "
                          f"{error.theirs.author}. Check the plan, then save again.")

    # --- drafts left behind ----------------------------------------------------------------

    def offer_draft(self, recover: bool | None) -> None:
        """After opening a patient: bring back edits autosaved but never saved, if any.

        recover=True skips the question (the user already said yes at start-up).
        """
        doc = self.doc
        pid = doc.patient_id
        if pid is None:
            return
        draft = plan_service.load_draft(self.db, pid, self.actor())
        if draft is None:
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
            base = (plan_service.get_revision(self.db, pid, draft.base_revision).content
                    if draft.base_revision else PlanContent())
            target = reapply(base, draft.content, doc.base_content)
        self.undo.push(ReplaceContent(doc, doc.content, target, "recover unsaved changes"))
        self.message.emit(f"Recovered your unsaved changes from {prompts.when(draft.saved_at)}. "
                          "Check them, then save (Ctrl+S).")
