"""The details of the selected plan item, all editable for this patient."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.limits import max_length
from careplan.domain.patient import TeamMember
from careplan.domain.plan import FREQUENCY_CHOICES, ItemStatus, PlanItem
from careplan.ui.elided_label import ElidedLabel
from careplan.ui.form_fields import (
    DateField,
    ErrorLabel,
    named,
    route_undo_keys_to_window,
    set_text_colour,
    wheel_only_with_focus,
)

TEXT_FIELDS = ("goal", "caregiver_instructions", "notes", "frequency", "responsible")


def team_choices(team: list[TeamMember]) -> list[str]:
    return [f"{m.name} ({m.role.label})" if m.name.strip() else m.role.label for m in team]


class PlanItemForm(QStackedWidget):
    editRequested = Signal(str, str, object, bool)  # noqa: N815 (Qt signal naming)
    """The user changed a field: (uid, field, new value, is typing that may merge)."""
    removeRequested = Signal(str)  # noqa: N815 (Qt signal naming)
    """The user asked to take this item out of the plan."""
    badDatesChanged = Signal()  # noqa: N815 (Qt signal naming)
    """A start date that is not a date was typed or corrected."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("planItemForm")
        self.uid: str | None = None
        self._loading = False
        self.bad_dates: dict[str, str] = {}  # uid -> start date text that is not a date (kept, not lost)
        empty = QLabel("Choose an item in the plan to see and change its details.\n\n"
                       "To add an item, find it in the catalogue and double-click it, press Enter, "
                       "or drag it onto the plan.")
        empty.setObjectName("itemFormEmpty")
        empty.setWordWrap(True)
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addWidget(empty)
        self.addWidget(self._build_form())

    def _build_form(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("itemTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        top.addWidget(self.title, 1)
        self.remove = QPushButton("&Remove from plan")
        named(self.remove, "itemRemove", "Remove this item from the plan")
        self.remove.setToolTip("Take this item out of the plan (Delete in the plan list). You can undo it.")
        top.addWidget(self.remove, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        # One line, the whole text in its tooltip: a wrapped paragraph here cost a laptop two rows of the plan.
        self.clinical = ElidedLabel()
        self.clinical.setObjectName("itemClinical")
        self.clinical.setAccessibleName("Description")
        set_text_colour(self.clinical, "#444444")
        self.clinical.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.clinical)

        self.status = QComboBox()
        named(self.status, "itemStatus", "Item status")
        for s in ItemStatus:
            self.status.addItem(s.label, s.value)
        self.frequency = QComboBox()
        named(self.frequency, "itemFrequency", "How often", "Pick a common choice or type your own")
        self.frequency.setEditable(True)
        self.frequency.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.frequency.addItems(list(FREQUENCY_CHOICES))
        self.frequency.lineEdit().setMaxLength(max_length("item.frequency"))
        self.responsible = QComboBox()
        named(self.responsible, "itemResponsible", "Who helps", "A member of the care team, or type a name")
        self.responsible.setEditable(True)
        self.responsible.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.responsible.lineEdit().setMaxLength(max_length("item.responsible"))
        for combo in (self.status, self.frequency, self.responsible):
            # Long typed values must not widen the whole pane: the box scrolls its text instead.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.start = DateField("itemStartDate", "Start date")
        self.goal = QLineEdit()
        named(self.goal, "itemGoal", "Goal for this item")
        self.goal.setPlaceholderText("e.g. Keep walking safely indoors")
        self.goal.setMaxLength(max_length("item.goal"))
        self.instructions = QPlainTextEdit()
        named(self.instructions, "itemInstructions", "Instructions for caregivers",
              "Printed for the family; starts as the catalogue text")
        self.instructions.setTabChangesFocus(True)
        self.notes = QPlainTextEdit()
        named(self.notes, "itemNotes", "Notes for the team")
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("Notes for the team about this item")
        lines = self.fontMetrics().lineSpacing()
        for box in (self.instructions, self.notes):
            # Four lines at least (all a laptop gives them); more only when there is room (their own tall
            # size hint would give the whole pane a scroll bar on a laptop).
            box.setMinimumHeight(lines * 4 + 2 * (box.frameWidth() + round(box.document().documentMargin())))
            box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.errors: dict[str, ErrorLabel] = {}
        # Two fields a row, the two texts side by side: a typical item shows whole in a laptop's
        # lower half, under a plan list that keeps the window's full width for its columns.
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        for field, label, widget, row, col, span in (
            ("status", "&Status:", self.status, 0, 0, 1),
            ("frequency", "How &often:", self.frequency, 0, 2, 1),
            ("responsible", "&Who helps:", self.responsible, 1, 0, 1),
            ("start_date", "S&tart date:", self.start, 1, 2, 1),
            ("goal", "&Goal:", self.goal, 2, 0, 3),
        ):
            lab = QLabel(label)
            lab.setBuddy(widget.focusProxy() or widget)
            grid.addWidget(lab, row, col)
            grid.addLayout(self._with_error(field, widget), row, col + 1, 1, span)
        texts = QHBoxLayout()
        for field, label, widget in (("caregiver_instructions", "&Instructions for caregivers:", self.instructions),
                                     ("notes", "&Notes for the team:", self.notes)):
            box = self._with_error(field, widget)
            lab = QLabel(label)
            lab.setBuddy(widget)
            box.insertWidget(0, lab)
            texts.addLayout(box, 1)
        outer.addLayout(grid)
        outer.addLayout(texts, 1)
        route_undo_keys_to_window(self.goal, self.instructions, self.notes, self.frequency.lineEdit(),
                                  self.responsible.lineEdit(), self.start.edit)
        wheel_only_with_focus(self.status, self.frequency, self.responsible)  # the pane scrolls instead

        self.status.currentIndexChanged.connect(self._status_changed)
        self.frequency.editTextChanged.connect(lambda t: self._typed("frequency", t))
        self.responsible.editTextChanged.connect(lambda t: self._typed("responsible", t))
        self.goal.textEdited.connect(lambda t: self._typed("goal", t))
        self.instructions.textChanged.connect(lambda: self._typed("caregiver_instructions", self.instructions.toPlainText()))
        self.notes.textChanged.connect(lambda: self._typed("notes", self.notes.toPlainText()))
        self.start.edited.connect(self._start_edited)
        self.remove.clicked.connect(lambda: self.uid and self.removeRequested.emit(self.uid))
        return page

    def _with_error(self, field: str, widget: QWidget) -> QVBoxLayout:
        """The field with its error line beneath (empty, and so taking no room, while all is well)."""
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget, 1)  # a text box takes the height there is, not the space around its label
        self.errors[field] = ErrorLabel(f"itemError_{field}")
        box.addWidget(self.errors[field])
        return box

    # --- showing ---------------------------------------------------------------------------

    def set_team(self, team: list[TeamMember]) -> None:
        self._loading = True
        text = self.responsible.currentText()
        self.responsible.clear()
        self.responsible.addItems(team_choices(team))
        self.responsible.setEditText(text)
        self._loading = False

    def show_item(self, item: PlanItem | None) -> None:
        self.uid = item.key if item else None
        self.setCurrentIndex(1 if item else 0)
        if item is None:
            return
        self._loading = True
        try:
            self.title.setText(f"{item.title}  \u2014  {item.discipline.label}")
            self.clinical.set_full_text(item.clinical_description)
            self.clinical.setVisible(bool(item.clinical_description))
            for field in ("status", "frequency", "responsible", "start_date", "goal", "caregiver_instructions", "notes"):
                self._show_field(item, field)
        finally:
            self._loading = False

    def refresh_field(self, item: PlanItem, field: str) -> None:
        """The document changed this field (undo, redo): show it unless it already shows it."""
        if item.key != self.uid:
            return
        self._loading = True
        try:
            if field == "title":
                self.title.setText(f"{item.title}  \u2014  {item.discipline.label}")
            else:
                self._show_field(item, field)
        finally:
            self._loading = False

    def _show_field(self, item: PlanItem, field: str) -> None:
        value: Any = getattr(item, field)
        if field == "status":
            self.status.setCurrentIndex(self.status.findData(item.status.value))
        elif field in ("frequency", "responsible"):
            combo = self.frequency if field == "frequency" else self.responsible
            if combo.currentText() != value:
                combo.setEditText(value)
        elif field == "goal":
            if self.goal.text() != value:
                self.goal.setText(value)
        elif field in ("caregiver_instructions", "notes"):
            box = self.instructions if field == "caregiver_instructions" else self.notes
            if box.toPlainText() != value:
                cursor = box.textCursor().position()
                box.setPlainText(value)
                c = box.textCursor()
                c.setPosition(min(cursor, len(value)))
                box.setTextCursor(c)
        elif field == "start_date":
            if item.key in self.bad_dates:
                self.start.edit.setText(self.bad_dates[item.key])
            else:
                self.start.set_date(value)

    def show_problems(self, problems: dict[str, str]) -> None:
        """Messages for this item's fields (field -> message); others are cleared."""
        for field, label in self.errors.items():
            label.show_message(problems.get(field))

    # --- editing ---------------------------------------------------------------------------

    def _typed(self, field: str, value: str) -> None:
        if not self._loading and self.uid:
            self.editRequested.emit(self.uid, field, value, True)

    @Slot(int)
    def _status_changed(self, _index: int) -> None:
        if not self._loading and self.uid:
            self.editRequested.emit(self.uid, "status", ItemStatus(self.status.currentData()), False)

    @Slot()
    def _start_edited(self) -> None:
        if self._loading or not self.uid:
            return
        value, problem = self.start.value()
        if problem:
            self.bad_dates[self.uid] = self.start.text()
        else:
            self.bad_dates.pop(self.uid, None)
            self.editRequested.emit(self.uid, "start_date", value, True)
        self.badDatesChanged.emit()
