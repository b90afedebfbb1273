"""The main window's menus: every action reachable by keyboard, shortcuts shown in the menus."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QStackedWidget, QWidget

from careplan.ui import template_apply, templates_window
from careplan.ui.patient_list import PatientListPanel
from careplan.ui.plan_editor import PlanEditor


class MenuHost(Protocol):
    """What the menus need from the main window: its parts and its slots (no import of it: no cycle)."""

    editor: PlanEditor
    patients: PatientListPanel
    stack: QStackedWidget

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 (Qt method name)
    def new_patient(self) -> None: ...
    def export_pdf(self) -> None: ...
    def print_plan(self, one_step: bool = True) -> None: ...
    def close(self) -> bool: ...
    def change_name(self) -> None: ...
    def set_list_visible(self, visible: bool) -> None: ...
    def edit_patient(self) -> None: ...
    def close_patient(self) -> None: ...
    def go_home(self) -> None: ...
    def show_history(self) -> None: ...
    def show_catalogue(self) -> None: ...
    def show_rules(self) -> None: ...
    def show_audit(self) -> None: ...
    def show_about(self) -> None: ...


MainWindow = MenuHost  # the annotations below read as what they are


def _action(window: MainWindow, menu: QMenu, text: str, name: str, slot: object,
            shortcut: QKeySequence | str | None = None, tip: str = "") -> QAction:
    action = QAction(text, window)  # type: ignore[call-overload]
    action.setObjectName(name)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
        # Shown in the menu on every platform (macOS hides them by default for some actions).
        action.setShortcutVisibleInContextMenu(True)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(slot)  # type: ignore[arg-type]
    menu.addAction(action)
    return action


def build_menus(w: MainWindow) -> dict[str, QAction]:
    bar = w.menuBar()
    a: dict[str, QAction] = {}
    editor = w.editor

    file_menu = bar.addMenu("&File")
    a["new_patient"] = _action(w, file_menu, "&New patient\u2026", "actionNewPatient", w.new_patient,
                               QKeySequence.StandardKey.New, "Add a patient")
    a["save"] = _action(w, file_menu, "&Save plan", "actionSave", lambda: editor.save(),
                        QKeySequence.StandardKey.Save, "Save the plan as a new revision")
    file_menu.addSeparator()
    a["export"] = _action(w, file_menu, "&Export PDF\u2026", "actionExportPdf", w.export_pdf, "Ctrl+E",
                          "Save the caregiver printout as a PDF file")
    a["print"] = _action(w, file_menu, "&Print", "actionPrint", lambda: w.print_plan(), QKeySequence.StandardKey.Print,
                         "Print the caregiver printout now, with the paper and print size chosen last")
    file_menu.addSeparator()
    a["quit"] = _action(w, file_menu, "&Quit", "actionQuit", w.close, "Ctrl+Q", "Close CarePlan")

    edit_menu = bar.addMenu("&Edit")
    owner: QWidget = w  # type: ignore[assignment]
    undo = editor.undo.createUndoAction(owner, "Undo")
    undo.setObjectName("actionUndo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = editor.undo.createRedoAction(owner, "Redo")
    redo.setObjectName("actionRedo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    for action in (undo, redo):
        action.setShortcutVisibleInContextMenu(True)
        edit_menu.addAction(action)
    a["undo"], a["redo"] = undo, redo
    edit_menu.addSeparator()
    a["find_patient"] = _action(w, edit_menu, "&Find patient", "actionFindPatient", lambda: _focus_search(w),
                                QKeySequence.StandardKey.Find, "Jump to the patient search box")
    a["find_catalogue"] = _action(w, edit_menu, "Find in &catalogue", "actionFindCatalogue",
                                  editor.catalogue_toggle.search, "Ctrl+K",
                                  "Show the catalogue and jump to its search box")
    a["go_items"] = _action(w, edit_menu, "Go to plan &items", "actionGoToItems", lambda: _focus(editor.items),
                            "Ctrl+L", "Move to the list of plan items")
    a["go_prompts"] = _action(w, edit_menu, "Go to guideline &prompts", "actionGoToPrompts",
                              editor.prompts_strip.focus_first, "Ctrl+G", "Open the guideline prompts and move to the first")
    edit_menu.addSeparator()
    a["your_name"] = _action(w, edit_menu, "Your &name\u2026", "actionYourName", w.change_name, None,
                             "Change the name recorded on the revisions you save")

    view_menu = bar.addMenu("&View")
    a["show_list"] = _action(w, view_menu, "&Patient list", "actionShowPatientList", w.set_list_visible,
                             "Ctrl+Shift+L", "Show or hide the patient list, to give the plan more room")
    a["show_list"].setCheckable(True)
    a["show_list"].setChecked(True)
    a["home"] = _action(w, view_menu, "&Worklist", "actionWorklist", w.go_home, "Alt+Home",
                        "Close the open patient and show what needs doing, most urgent first")

    patient_menu = bar.addMenu("&Patient")
    patient_menu.addAction(a["new_patient"])
    a["edit_patient"] = _action(w, patient_menu, "&Edit patient details\u2026", "actionEditPatient", w.edit_patient,
                                "Ctrl+Shift+E", "Name, dates, caregivers and care team")
    a["assessments"] = _action(w, patient_menu, "&Assessments\u2026", "actionAssessments", w.show_assessments,
                               "Ctrl+Shift+A", "ALSFRS-R, breathing and weight over time; stages computed")
    a["close_patient"] = _action(w, patient_menu, "&Close patient", "actionClosePatient", w.close_patient,
                                 QKeySequence.StandardKey.Close)

    plan_menu = bar.addMenu("P&lan")
    plan_menu.addAction(a["save"])
    plan_menu.addAction(editor.remove_action)
    a["remove_item"] = editor.remove_action
    a["apply_template"] = template_apply.add_menu_action(editor, plan_menu)
    a["templates"] = templates_window.add_menu_action(w, plan_menu)
    a["history"] = _action(w, plan_menu, "&History\u2026", "actionHistory", w.show_history, "Ctrl+H",
                           "Every saved revision of this plan, and what changed")

    tools_menu = bar.addMenu("&Tools")
    a["catalogue"] = _action(w, tools_menu, "&Catalogue\u2026", "actionCatalogue", w.show_catalogue, "Ctrl+Shift+K",
                             "View and edit the clinic's treatment catalogue")
    a["rules"] = _action(w, tools_menu, "Guideline &rules\u2026", "actionRules", w.show_rules, None,
                         "The rules that raise guideline prompts; retire one or bring it back")
    a["audit"] = _action(w, tools_menu, "&Audit log\u2026", "actionAudit", w.show_audit, None,
                         "Who did what, and when")

    help_menu = bar.addMenu("&Help")
    a["about"] = _action(w, help_menu, "&About CarePlan", "actionAbout", w.show_about)
    return a


def _focus(widget: object) -> None:
    widget.setFocus(Qt.FocusReason.ShortcutFocusReason)  # type: ignore[attr-defined]


def _focus_search(w: MainWindow) -> None:
    if w.stack.currentIndex() == 1:
        w.set_list_visible(True)
        w.patients.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        w.patients.search.selectAll()
