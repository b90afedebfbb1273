"""Small editable tables for a patient's caregivers and care team ("who to call").

Keyboard: Tab and Shift+Tab walk the cells row by row (the role drop-down included) and leave the
table after its last cell; Enter in a cell commits that cell and never accepts the whole dialog.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.limits import max_length
from careplan.domain.patient import Caregiver, TeamMember
from careplan.domain.team import Role
from careplan.ui.form_fields import ErrorLabel, MaxLengthDelegate, named, wheel_only_with_focus

ROLE_COLUMN = 1  # of the care-team table
ROLE_DATA = Qt.ItemDataRole.UserRole  # the Role value behind the label a role cell shows


class _CellTable(QTableWidget):
    """A table whose cells are edited in place inside a dialog.

    The item delegate turns Tab in an editor into "edit the next cell"; here the ends of the
    table hand the focus on to the dialog's next (or previous) control instead of wrapping round,
    and Enter stops at the table so the dialog's default button (Save) never fires from a cell.
    """

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:  # noqa: N802 (Qt)
        Hint = QAbstractItemDelegate.EndEditHint  # noqa: N806 (an enum's name)
        last = (self.currentRow() == self.rowCount() - 1 and self.currentColumn() == self.columnCount() - 1)
        first = self.currentRow() <= 0 and self.currentColumn() <= 0
        leave = (hint == Hint.EditNextItem and last) or (hint == Hint.EditPreviousItem and first)
        super().closeEditor(editor, Hint.NoHint if leave else hint)
        if leave:
            self.focusNextPrevChild(hint == Hint.EditNextItem)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)
            return
        # From an open editor the delegate has already committed the cell; on the table itself,
        # Enter opens the current cell, like F2.
        if self.hasFocus() and self.currentIndex().isValid():
            self.edit(self.currentIndex())
        event.accept()


class RoleDelegate(QStyledItemDelegate):
    """The role column: a drop-down kept open in every row, committed as soon as a role is chosen."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName(f"teamRole{index.row()}")
        combo.setAccessibleName(f"Role of team member {index.row() + 1}")
        for role in Role:
            combo.addItem(role.label, role.value)
        # Reached by Tab through the cells, not from the far end of the dialog's tab chain.
        combo.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        wheel_only_with_focus(combo)
        combo.currentIndexChanged.connect(lambda _i: self.commitData.emit(combo))
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        was = editor.blockSignals(True)  # showing the stored role is not choosing one
        editor.setCurrentIndex(max(0, editor.findData(index.data(ROLE_DATA))))
        editor.blockSignals(was)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        # Both at once: one dataChanged, so the open editor is never re-shown with half the change.
        model.setItemData(index, {Qt.ItemDataRole.DisplayRole: editor.currentText(), ROLE_DATA: editor.currentData()})

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # A click into a row's drop-down makes that cell current, so Tab moves on from there.
        if event.type() == QEvent.Type.FocusIn and isinstance(obj, QComboBox):
            view = self.parent()
            if isinstance(view, QAbstractItemView):
                index = view.indexAt(obj.geometry().center())
                if index.isValid() and index != view.currentIndex():
                    view.setCurrentIndex(index)
        return super().eventFilter(obj, event)


class _PeopleTable(QWidget):
    """A titled table with Add/Remove buttons; rows are edited in place."""

    changed = Signal()
    """Any cell, row or choice changed."""

    columns: tuple[str, ...] = ()
    column_samples: tuple[str, ...] = ()  # widest expected text per column; "" stretches
    noun = "person"
    max_lengths: dict[int, int] = {}  # column -> the field's limit in careplan.domain.limits

    def __init__(self, object_name: str, title: str, hint: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name + "Box")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(f"<b>{title}</b>")
        layout.addWidget(heading)
        note = QLabel(hint)
        note.setWordWrap(True)
        note.setObjectName(object_name + "Hint")
        layout.addWidget(note)
        self.table = _CellTable(0, len(self.columns))
        named(self.table, object_name, title)
        self.table.setHorizontalHeaderLabels(list(self.columns))
        self.table.setItemDelegate(MaxLengthDelegate(self.max_lengths, self.table))
        header = self.table.horizontalHeader()
        fm = self.fontMetrics()
        for col, sample in enumerate(self.column_samples):
            if sample:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(col, fm.horizontalAdvance(sample) + fm.horizontalAdvance("MMM"))
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(fm.height() + 14)
        # Tab on the table itself (no cell open) moves on to the next control; inside an open cell
        # it moves to the next cell (see _CellTable).
        self.table.setTabKeyNavigation(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.setMinimumHeight(self.table.fontMetrics().height() * 6)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        heading.setBuddy(self.table)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(f"Add {self.noun}")
        named(self.add_button, object_name + "Add", f"Add {self.noun}")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button = QPushButton(f"Remove {self.noun}")
        named(self.remove_button, object_name + "Remove", f"Remove the selected {self.noun}")
        self.remove_button.clicked.connect(self.remove_current)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.error = ErrorLabel(object_name + "Error")
        layout.addWidget(self.error)
        self.table.currentCellChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.table.currentRow() >= 0)

    def _set_text(self, row: int, col: int, text: str) -> None:
        self.table.setItem(row, col, QTableWidgetItem(text))

    def text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item else ""

    def _append(self) -> int:
        was = self.table.blockSignals(True)  # the row is not complete yet: nothing to report
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col in range(len(self.columns)):
            self._set_text(row, col, "")
        self._complete_row(row)
        self.table.blockSignals(was)
        return row

    def _complete_row(self, row: int) -> None:
        """Subclasses add cell widgets here."""

    @Slot()
    def add_row(self) -> int:
        row = self._append()
        self.table.setCurrentCell(row, 0)
        self.table.setFocus()
        self.table.editItem(self.table.item(row, 0))
        self.changed.emit()
        return row

    @Slot()
    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()
        self._update_buttons()


class CaregiverTable(_PeopleTable):
    columns = ("Name", "Relationship", "Phone", "Email")
    column_samples = ("", "Daughter-in-law", "+44 7700 900000", "")
    noun = "caregiver"
    max_lengths = {col: max_length(f"caregiver.{name}") for col, name in enumerate(("name", "relationship", "phone", "email"))}

    def set_people(self, people: list[Caregiver]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for c in people:
            row = self._append()
            for col, value in enumerate((c.name, c.relationship, c.phone, c.email)):
                self._set_text(row, col, value)
        self.table.blockSignals(False)
        self._update_buttons()

    def people(self) -> list[Caregiver]:
        return [Caregiver(*(self.text(r, c) for c in range(4))) for r in range(self.table.rowCount())]


class TeamTable(_PeopleTable):
    columns = ("Name", "Role", "Phone")
    column_samples = ("", "Speech and language therapist MM", "+44 20 7946 0000")
    noun = "team member"
    max_lengths = {0: max_length("team_member.name"), 2: max_length("team_member.phone")}

    def __init__(self, object_name: str, title: str, hint: str, parent: QWidget | None = None):
        super().__init__(object_name, title, hint, parent)
        self.table.setItemDelegateForColumn(ROLE_COLUMN, RoleDelegate(self.table))

    def _complete_row(self, row: int) -> None:
        self._set_role(row, next(iter(Role)))
        self.table.openPersistentEditor(self.table.item(row, ROLE_COLUMN))

    def _set_role(self, row: int, role: Role) -> None:
        item = self.table.item(row, ROLE_COLUMN)
        item.setData(ROLE_DATA, role.value)  # first: the open editor shows the role from this
        item.setData(Qt.ItemDataRole.DisplayRole, role.label)

    def role_combo(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, ROLE_COLUMN)  # the open editor
        assert isinstance(widget, QComboBox)
        return widget

    def set_people(self, people: list[TeamMember]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for m in people:
            row = self._append()
            self._set_text(row, 0, m.name)
            self._set_text(row, 2, m.phone)
            self._set_role(row, m.role)
        self.table.blockSignals(False)
        self._update_buttons()

    def people(self) -> list[TeamMember]:
        return [
            TeamMember(self.text(r, 0), Role(self.table.item(r, ROLE_COLUMN).data(ROLE_DATA)), self.text(r, 2))
            for r in range(self.table.rowCount())
        ]


def table_problem_rows(problems: list[tuple[str, str]], prefix: str) -> list[str]:
    """Messages for one table out of a list of (field, message), e.g. 'caregivers[0].email'."""
    return [msg for f, msg in problems if f.startswith(prefix + "[")]

