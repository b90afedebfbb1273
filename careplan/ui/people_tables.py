"""Small editable tables for a patient's caregivers and care team ("who to call")."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.limits import max_length
from careplan.domain.patient import Caregiver, TeamMember
from careplan.domain.team import Role
from careplan.ui.form_fields import ErrorLabel, MaxLengthDelegate, named


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
        self.table = QTableWidget(0, len(self.columns))
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
        # Tab leaves the table (arrow keys move between cells), so the form stays keyboard-friendly.
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

    def _complete_row(self, row: int) -> None:
        combo = QComboBox()
        combo.setObjectName(f"teamRole{row}")
        combo.setAccessibleName(f"Role of team member {row + 1}")
        for role in Role:
            combo.addItem(role.label, role.value)
        combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.table.setCellWidget(row, 1, combo)

    def role_combo(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, 1)
        assert isinstance(widget, QComboBox)
        return widget

    def set_people(self, people: list[TeamMember]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for m in people:
            row = self._append()
            self._set_text(row, 0, m.name)
            self._set_text(row, 2, m.phone)
            combo = self.role_combo(row)
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(m.role.value))
            combo.blockSignals(False)
        self.table.blockSignals(False)
        self._update_buttons()

    def people(self) -> list[TeamMember]:
        return [
            TeamMember(self.text(r, 0), Role(self.role_combo(r).currentData()), self.text(r, 2))
            for r in range(self.table.rowCount())
        ]


def table_problem_rows(problems: list[tuple[str, str]], prefix: str) -> list[str]:
    """Messages for one table out of a list of (field, message), e.g. 'caregivers[0].email'."""
    return [msg for f, msg in problems if f.startswith(prefix + "[")]

