"""Plan > Apply template…: shows what a starter plan would add, then adds it as ONE undoable edit.

Nothing is saved here: the coordinator saves as usual, and the reason box starts with the
template's name and version so the history says where the items came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.errors import CarePlanError
from careplan.domain.plan import PlanItem
from careplan.domain.templates import Template, items_to_add
from careplan.services.clock import today
from careplan.services.templates import list_templates
from careplan.ui.form_fields import named
from careplan.ui.operations import QueryOp
from careplan.ui.plan_document import PlanDocument

if TYPE_CHECKING:
    from careplan.ui.plan_editor import PlanEditor

# (template) -> the items it would add to the open plan, or raises CarePlanError saying why not.
Preview = Callable[[Template], tuple[PlanItem, ...]]


class ApplyTemplate(QUndoCommand):
    """All of a template's new items in one step, so one Undo takes the whole template back out."""

    def __init__(self, doc: PlanDocument, template: Template, items: tuple[PlanItem, ...]):
        super().__init__(f"apply {template.label}")
        self.doc, self.label, self.items = doc, template.label, items

    def redo(self) -> None:
        for item in self.items:
            self.doc.insert_item(item)

    def undo(self) -> None:
        for item in reversed(self.items):
            self.doc.remove_item(item.key)


def reason_hint(undo: QUndoStack) -> str:
    """The start of the save reason: the templates applied in the steps not undone."""
    labels = [c.label for c in (undo.command(i) for i in range(undo.index())) if isinstance(c, ApplyTemplate)]
    return "; ".join(dict.fromkeys(labels)) + ": " if labels else ""


class TemplateDialog(QDialog):
    """Pick a starter plan; the right side lists exactly what it would add before anything changes."""

    def __init__(self, templates: Sequence[Template], preview: Preview, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("templateDialog")
        self.setWindowTitle("Apply a starter plan")
        self.templates, self.preview = list(templates), preview
        self.to_add: tuple[PlanItem, ...] = ()
        self.list = QListWidget()
        named(self.list, "templateList", "Starter plans")
        for t in self.templates:
            own = ", clinic's own" if t.custom else ""  # an imported copy may share a shipped one's title
            self.list.addItem(QListWidgetItem(f"{t.title} (version {t.version}{own})"))
        self.about = QLabel()
        self.about.setObjectName("templateAbout")
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.PlainText)  # file text is shown as written, never as markup
        self.items = QListWidget()
        named(self.items, "templateItems", "Items that will be added")
        self.items.setWordWrap(True)  # a long name of who helps wraps instead of hiding behind a scroll bar
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        named(self.ok, "templateApply", "Add the items to the plan")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        right = QVBoxLayout()
        right.addWidget(self.about)
        caption = QLabel("Will be added (items already in the plan are left as they are):")
        caption.setBuddy(self.items)
        right.addWidget(caption)
        right.addWidget(self.items, 1)
        body = QHBoxLayout()
        body.addWidget(self.list, 2)
        body.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.list.currentRowChanged.connect(self._show)
        self.list.setCurrentRow(0)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 72, self.fontMetrics().height() * 28)

    @property
    def template(self) -> Template | None:
        row = self.list.currentRow()
        return self.templates[row] if 0 <= row < len(self.templates) else None

    @Slot(int)
    def _show(self, _row: int) -> None:
        t = self.template
        self.items.clear()
        self.to_add = ()
        if t is None:
            self.about.setText("")
            self.ok.setEnabled(False)
            return
        self.about.setText(f"When: {t.applies_when}\n\nBased on: {t.source}")
        try:
            self.to_add = self.preview(t)
        except CarePlanError as e:
            self.items.addItem(str(e))
        for item in self.to_add:
            self.items.addItem(f"{item.title}\n    {item.frequency} \u00b7 {item.responsible} \u00b7 {item.status.label}")
        if not self.to_add and self.items.count() == 0:
            self.items.addItem("Everything in this starter plan is already in the plan: nothing to add.")
        n = len(self.to_add)
        self.ok.setText(f"Add {n} item{'s' if n != 1 else ''}" if n else "Add")
        self.ok.setEnabled(bool(n))


def choose_template(parent: QWidget | None, templates: Sequence[Template],
                    preview: Preview) -> tuple[Template, tuple[PlanItem, ...]] | None:
    """The dialog, wrapped so tests can answer it."""
    dialog = TemplateDialog(templates, preview, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.template is None or not dialog.to_add:
        return None
    return dialog.template, dialog.to_add


def apply_to_editor(editor: PlanEditor) -> bool:
    """Plan > Apply template…: read the clinic's templates off the GUI thread, then preview and apply.

    False when refused at once (no patient, read-only plan); the dialog follows the read.
    """
    doc = editor.doc
    if doc.patient is None:
        editor.message.emit("Open a patient first: a starter plan adds items to the open plan.")
        return False
    if editor.read_only_reason:
        editor.message.emit(editor.read_only_reason)
        return False
    db = editor.db
    QueryOp(editor, lambda: list_templates(db)).success(lambda ts: choose_and_apply(editor, ts)).failure(
        lambda e: editor.message.emit(str(e).splitlines()[0])).named("templates").run_in_background()
    return True


def choose_and_apply(editor: PlanEditor, templates: Sequence[Template]) -> bool:
    """The preview dialog over the templates in use, then one undoable step in the editor's document."""
    doc = editor.doc
    if doc.patient is None or editor.read_only_reason:  # the patient was closed while the list was read
        return False
    if not templates:
        editor.message.emit("Every starter plan is retired: reinstate one in Plan > Starter plans… first.")
        return False
    team = doc.patient.care_team

    def preview(t: Template) -> tuple[PlanItem, ...]:
        return items_to_add(t, doc.content, editor.catalogue, team, today())

    chosen = choose_template(editor, templates, preview)
    if chosen is None:
        return False
    template, items = chosen
    editor.undo.push(ApplyTemplate(doc, template, items))
    editor.message.emit(f"Added {len(items)} items from {template.label}. Undo (Ctrl+Z) takes them all out; "
                        "save to keep them.")
    return True


def add_menu_action(editor: PlanEditor, menu: QMenu) -> QAction:
    action = menu.addAction("Apply &template\u2026")
    action.setObjectName("actionApplyTemplate")
    action.setStatusTip("Add a starter plan's items (newly diagnosed, starting NIV\u2026) in one step, after a preview")
    action.triggered.connect(lambda: apply_to_editor(editor))
    return action
