"""The main window: patient list on the left, the open patient's plan on the right."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
)

from careplan import __version__
from careplan.persistence.engine import Database
from careplan.services import patients as patient_service
from careplan.services.changes import Changes
from careplan.services.clock import utcnow
from careplan.ui import db_guard, identity, prompts
from careplan.ui.access_log import record_opening
from careplan.ui.change_watcher import ELSEWHERE, ChangeWatcher
from careplan.ui.desk_menus import extend_menus
from careplan.ui.dialog_kit import local_time
from careplan.ui.elsewhere import already_shown, describe_elsewhere
from careplan.ui.idle_lock import IdleLock
from careplan.ui.lifecycle import LifecycleActions
from careplan.ui.main_menus import build_menus
from careplan.ui.main_start_finish import StartAndFinish
from careplan.ui.operations import runner
from careplan.ui.patient_list import PatientListPanel
from careplan.ui.plan_editor import PlanEditor
from careplan.ui.settings import make_settings, restore_window
from careplan.ui.welcome import welcome_page
from careplan.ui.window_layout import CatalogueRoom, fit_main_window
from careplan.ui.worklist_panel import WorklistPanel

PAGE_WELCOME, PAGE_WORK = 0, 1


class MainWindow(StartAndFinish, QMainWindow):
    changesApplied = Signal(object, object)  # noqa: N815 (Qt signal naming)
    """Data changed (Changes, source): a write of this app, or a save made elsewhere (source "elsewhere").

    The one signal screens follow to refresh; it re-emits the operation runner's.
    """

    def __init__(self, db: Database, settings: QSettings | None = None, *, offer_recovery: bool = True):
        super().__init__()
        self.db = db
        db_guard.install(db)
        self.settings = settings or make_settings()
        self.ops = runner()
        self.ops.changesApplied.connect(self.changesApplied)
        self._offer_recovery = offer_recovery
        self._shown_once = False
        self._closing = False
        self._unsubscribed = False
        self.setObjectName("mainWindow")
        self.stack = QStackedWidget()
        self.stack.setObjectName("mainStack")
        self.stack.addWidget(welcome_page(self.new_patient))
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.patients = PatientListPanel(db)
        self.splitter.addWidget(self.patients)
        self.right = QStackedWidget()
        self.right.setObjectName("rightStack")
        self.worklist = WorklistPanel(db)  # the home screen, while no patient is open
        self.right.addWidget(self.worklist)
        self.editor = PlanEditor(db, self.settings)
        self.right.addWidget(self.editor)
        self.splitter.addWidget(self.right)
        # Extra width goes to the plan; the list keeps the width its columns need.
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)
        self.statusBar().setObjectName("statusBar")
        self.who = QLabel()
        self.who.setObjectName("actorLabel")
        self.who.setTextFormat(Qt.TextFormat.PlainText)
        self.elsewhere_label = QLabel()
        self.elsewhere_label.setObjectName("elsewhereLabel")
        self.elsewhere_label.setAccessibleName("Saves made elsewhere")
        self.elsewhere_label.setTextFormat(Qt.TextFormat.PlainText)
        self.elsewhere_label.setContentsMargins(0, 0, 16, 0)  # apart from "Saving as", not run into it
        self.statusBar().addPermanentWidget(self.elsewhere_label)
        self.statusBar().addPermanentWidget(self.who)
        self.actions = build_menus(self)
        self.lifecycle = LifecycleActions(self, self.actions["close_patient"].associatedObjects()[-1])  # Patient menu
        self.actions |= extend_menus(self)
        self._connect()
        self._first_layout()
        CatalogueRoom(self, self)
        self.patients.restore_sort(self.settings, "patientList")
        self.set_list_visible(self.settings.value("mainWindow/listVisible", "true") != "false")
        self._update()
        self.watcher = ChangeWatcher(db, self)
        self.watcher.start()
        self.idle_lock = IdleLock(self)  # hides patient data after the clinic's idle time

    def _connect(self) -> None:
        self.patients.patientChosen.connect(self._patient_chosen)
        self.worklist.patientChosen.connect(self._patient_chosen)
        self.editor.message.connect(self.show_message)
        self.editor.editPatientRequested.connect(self.edit_patient)
        self.editor.doc.modifiedChanged.connect(lambda _m: self._update())
        self.editor.doc.contentReset.connect(self._update)
        self.editor.doc.changed.connect(self._update_actions)
        self.editor.saver.saved.connect(lambda _n: self._after_save())
        self.editor.saver.savingChanged.connect(self._saving_changed)
        self.editor.historyRequested.connect(self.show_history)
        self.patients.model.modelReset.connect(self._update)
        self.changesApplied.connect(self._changes_applied)

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, source: object) -> None:
        doc = self.editor.doc
        if source == ELSEWHERE and not already_shown(changes, doc.patient_id, doc.base_number):
            message = describe_elsewhere(changes, doc.patient_id)
            self.show_message(message)
            # The message goes by after a while; this short note stays, the details in its tooltip.
            self.elsewhere_label.setText(f"Changes from elsewhere loaded at {local_time(utcnow(), clock_only=True)}")
            self.elsewhere_label.setToolTip(message)

    def _first_layout(self) -> None:
        restored = restore_window(self.settings, "mainWindow", self, self._splitters())
        if "geometry" not in restored:
            screen = QGuiApplication.primaryScreen()
            avail = screen.availableGeometry() if screen else None
            width = min(1500, int(avail.width() * 0.9)) if avail else 1300
            height = min(950, int(avail.height() * 0.9)) if avail else 850
            self.resize(width, height)
        self.fit_layout(keep=restored)  # parts never laid out before (first start, quit from the welcome page)

    def fit_layout(self, keep: set[str] | None = None) -> None:
        """Share the window's room out as on a first start, but for the parts in `keep` (scripts/screenshots.py too)."""
        fit_main_window(self, keep or set())

    @Slot(bool)
    def set_list_visible(self, visible: bool) -> None:
        self.patients.setVisible(visible)
        self.actions["show_list"].setChecked(visible)
        sizes = self.splitter.sizes()
        if visible and sizes[0] == 0:  # hidden when the layout was saved: give it room again
            width = min(self.patients.preferred_width(), int(sum(sizes) * 0.4))
            self.splitter.setSizes([width, sum(sizes) - width])

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.splitter, "plan": self.editor.splitter, "detail": self.editor.detail_splitter}

    @property
    def actor(self) -> str:
        return identity.current_actor(self.settings, self.db.server_name)

    def named_actor(self) -> str | None:
        """Before anything the audit log records: the user's name, asked once (None: they declined)."""
        return identity.named_actor(self, self.settings, self._update, self.show_message, self.db.server_name)

    # --- state shown in title, menus and pages ----------------------------------------------

    @Slot()
    def _update(self) -> None:
        p = self.editor.doc.patient
        self.setWindowTitle(f"CarePlan \u2014 {p.full_name} ({p.mrn})[*]" if p else f"CarePlan \u2014 {self.db.describe()}")
        self.setWindowModified(self.editor.doc.modified)
        self.right.setCurrentIndex(1 if p else 0)
        has_patients = p is not None or self.patients.model.total > 0 or bool(self.patients.search.text())
        self.stack.setCurrentIndex(PAGE_WORK if has_patients else PAGE_WELCOME)
        self.who.setText(f"Saving as: {identity.remembered_name(self.settings) or '(asked at your first change)'}")
        self._update_actions()

    @Slot()
    def _update_actions(self) -> None:
        doc = self.editor.doc
        a = self.actions
        open_ = doc.patient is not None
        saved_or_editing = open_ and (doc.base_number > 0 or doc.modified)
        a["save"].setEnabled(open_ and not self.editor.saver.saving)
        a["edit_patient"].setEnabled(open_)
        a["assessments"].setEnabled(open_)
        a["close_patient"].setEnabled(open_)
        a["history"].setEnabled(open_ and doc.base_number > 0)
        a["export"].setEnabled(saved_or_editing)
        a["print"].setEnabled(saved_or_editing)
        a["find_catalogue"].setEnabled(open_)

    @Slot(bool)
    def _saving_changed(self, saving: bool) -> None:
        # A save started by "switch patient?" may fail: the list must show who is really open.
        if not saving and self.patients.current_patient_id() != self.editor.doc.patient_id:
            self.patients.select_patient(self.editor.doc.patient_id)
        self._update_actions()

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 15_000)

    def about_text(self) -> str:
        return f"CarePlan {__version__}\nCare plans for ALS/MND clinics.\n\nDatabase: {self.db.describe()}"

    @Slot()
    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "About CarePlan", self.about_text(),
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("aboutBox")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.exec()

    # --- patients --------------------------------------------------------------------------

    @Slot(int)
    def _patient_chosen(self, patient_id: int) -> None:
        current = self.editor.doc.patient_id
        if patient_id == current:
            return
        went = False

        def go() -> None:
            nonlocal went
            went = True
            self.open_patient(patient_id)

        self.editor.resolve_unsaved(go)
        if not went and not self.editor.saver.saving:
            self.patients.select_patient(current)  # stayed: show the open patient as chosen again

    def open_patient(self, patient_id: int, *, recover: bool | None = None) -> None:
        """Open on the worker; the plan shows (and the list follows) once it is read."""
        def opened() -> None:
            self.patients.select_patient(patient_id)
            self._update()
            record_opening(self, self.db, patient_id, self.actor, self.show_message)  # access is audited

        def failed(error: BaseException) -> None:
            if not isinstance(error, patient_service.NotFoundError):
                raise error
            self.show_message(str(error))
            self.patients.refresh()

        self.editor.open_patient(patient_id, recover=recover, then=opened, failed=failed)

    @Slot()
    def close_patient(self) -> None:
        def go() -> None:
            self.editor.close_patient()
            self.patients.select_patient(None)
            self._update()
            self.worklist.focus_first()

        self.editor.resolve_unsaved(go)

    @Slot()
    def go_home(self) -> None:
        """The worklist: closes the open patient first, asking about unsaved edits as Close patient does."""
        self.close_patient()

    @Slot()
    def new_patient(self) -> None:
        from careplan.ui import patient_dialog  # only when asked for: not on the start-up path

        actor = self.named_actor()
        p = patient_dialog.edit_patient(self, self.db, actor) if actor else None
        if p is None or p.id is None:
            return
        pid = p.id
        self.show_message(f"Added {p.full_name}. Now build their plan from the catalogue.")
        self.editor.resolve_unsaved(lambda: self.open_patient(pid))
        self._update()

    @Slot()
    def edit_patient(self) -> None:
        current = self.editor.doc.patient
        if current is None:
            return
        from careplan.ui import patient_dialog  # only when asked for: not on the start-up path

        actor = self.named_actor()
        p = patient_dialog.edit_patient(self, self.db, actor, current) if actor else None
        if p is None:
            return
        self.editor.patient_updated(p)
        self.show_message(f"Saved {p.full_name}'s details.")
        self._update()

    def _after_save(self) -> None:
        self._update()

    # --- menus that open other windows (imported when first used: start-up stays fast) --------

    def _when_saved(self, what: str, go: object) -> None:
        """Printouts show saved revisions: offer to save unsaved edits first."""
        assert callable(go)
        if not self.editor.doc.modified:
            go()
        elif prompts.ask_save_before(self, what):
            self.editor.save(then=go)

    @Slot()
    def export_pdf(self) -> None:
        from careplan.ui import export

        pid = self.editor.doc.patient_id
        if pid is not None and self.named_actor():
            if export.export_running():  # a second Ctrl+E while the PDF is being made: no second export
                self.show_message("Still making the PDF\u2026 it opens when it is ready.")
                return
            self._when_saved("export the plan", lambda: export.export_pdf(self, self.db, pid, self.actor))

    def print_plan(self, one_step: bool = True) -> None:
        """Ctrl+P prints at once with the remembered choices; File > Print options… asks and previews."""
        from careplan.ui import export

        pid = self.editor.doc.patient_id
        if pid is not None and self.named_actor():
            self._when_saved("print the plan", lambda: export.print_plan(self, self.db, pid, self.actor,
                                                                         one_step=one_step))

    @Slot()
    def show_history(self) -> None:
        from careplan.ui.history_window import HistoryWindow

        pid = self.editor.doc.patient_id
        if pid is not None and self.named_actor():
            HistoryWindow(self.db, pid, self.actor, self).open()

    @Slot()
    def show_assessments(self) -> None:
        from careplan.ui.assessments_window import AssessmentsWindow

        pid = self.editor.doc.patient_id
        if pid is not None and self.named_actor():
            AssessmentsWindow(self.db, pid, self.actor, self).open()

    @Slot()
    def show_catalogue(self) -> None:
        from careplan.ui.catalogue_window import CatalogueWindow

        if self.named_actor():
            CatalogueWindow(self.db, self.actor, self).open()

    @Slot()
    def show_rules(self) -> None:
        from careplan.ui.rules_window import open_rules

        if self.named_actor():
            open_rules(self, self.db, self.actor)

    @Slot()
    def show_audit(self) -> None:
        from careplan.ui.audit_window import AuditWindow

        p = self.editor.doc.patient
        AuditWindow(self.db, self, mrn=p.mrn if p else None).show()

    @Slot()
    def change_name(self) -> None:
        name = identity.ask_name(self, self.actor)
        if name:
            identity.remember_name(self.settings, name)
            self._update()
