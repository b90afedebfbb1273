"""The main window's start and finish: the offer to recover unsaved work, and closing without losing any.

A mixin of MainWindow (ui/main_window.py), which owns the editor, list, watcher and settings used here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QApplication

from careplan.domain.patient import Patient
from careplan.services import patients as patient_service
from careplan.services import plans as plan_service
from careplan.ui import prompts
from careplan.ui.dialog_kit import local_time
from careplan.ui.operations import QueryOp
from careplan.ui.settings import save_window

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from careplan.persistence.engine import Database
    from careplan.ui.change_watcher import ChangeWatcher
    from careplan.ui.operations import OpRunner
    from careplan.ui.patient_list import PatientListPanel
    from careplan.ui.plan_editor import PlanEditor
    from careplan.ui.worklist_panel import WorklistPanel


class StartAndFinish:
    """Put before QMainWindow in MainWindow's bases, so Qt calls this showEvent and closeEvent."""

    # What MainWindow's __init__ sets up, used here:
    db: Database
    settings: QSettings
    editor: PlanEditor
    patients: PatientListPanel
    worklist: WorklistPanel
    watcher: ChangeWatcher
    ops: OpRunner
    _offer_recovery: bool
    _shown_once: bool
    _closing: bool
    _unsubscribed: bool

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self._offer_recovery:
                QTimer.singleShot(0, self.offer_recovery)

    @Slot()
    def offer_recovery(self) -> None:
        """Unsaved work left by a crash or power cut: offer to bring it back."""
        db, actor = self.db, self.actor

        def find() -> list[tuple[plan_service.Draft, Patient]]:
            found = []
            for draft in plan_service.drafts_for(db, actor):
                try:
                    found.append((draft, patient_service.get_patient(db, draft.patient_id)))
                except patient_service.NotFoundError:
                    continue
            return found

        QueryOp(self, find).success(self._offer_found).named("find-drafts").run_in_background()

    def _offer_found(self, found: list[tuple[plan_service.Draft, Patient]]) -> None:
        if not found:
            return
        found.reverse()  # most recent first
        lines = [f"{p.full_name} ({p.mrn}), changed {local_time(d.saved_at)}" for d, p in found]
        if prompts.offer_startup_recovery(self, lines):
            self.open_patient(found[0][1].id or 0, recover=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing and self.editor.doc.modified and not self._resolved_now():
            event.ignore()  # Cancel, or a save still running: it closes (or asks again) once stored
            return
        self._shut_down()
        event.accept()
        QApplication.quit()

    def _resolved_now(self) -> bool:
        """Ask about unsaved edits; True when the window may close now (Discard, answered in this event:
        Qt refuses a close() from inside one). Save closes later through close(), which asks again
        about edits made while saving: no path closes without asking."""
        answered_now, in_event = False, True

        def proceed() -> None:
            nonlocal answered_now
            if in_event:
                answered_now = True
            else:
                self.close()

        self.editor.resolve_unsaved(proceed)
        in_event = False
        return answered_now

    def _shut_down(self) -> None:
        """Stop what could start work (autosave, watcher), unsubscribe the screens, then let queued work finish."""
        self.editor.saver.flush()  # write (or clear, if undone back to the saved plan) the safety copy now
        self.watcher.close()
        # Closing screens follow no more changes: nothing reads for a window that is going away.
        if not self._unsubscribed:
            self._unsubscribed = True
            for screen in (self.editor, self.patients, self.worklist):
                self.ops.changesApplied.disconnect(screen._changes_applied)
        self.ops.wait()
        self.settings.setValue("mainWindow/listVisible", "false" if self.patients.isHidden() else "true")
        self.patients.save_sort(self.settings, "patientList")
        save_window(self.settings, "mainWindow", self, self._splitters())
