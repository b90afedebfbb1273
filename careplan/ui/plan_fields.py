"""The plan as a whole: status, start, next review and the goals (often "keep" or "slow the
loss of" something for ALS)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.limits import max_length
from careplan.domain.plan import PlanContent, PlanStatus
from careplan.ui.form_fields import (
    DateField,
    ErrorLabel,
    MaxLengthDelegate,
    named,
    route_undo_keys_to_window,
    wheel_only_with_focus,
)

REVIEW_HINT = "Reviews are due every 2\u20133 months."
GOAL_HINT = "For example \u201cKeep walking safely at home\u201d or \u201cSlow the loss of weight\u201d."


class GoalsList(QListWidget):
    """The plan's goals: two show on a laptop (more scroll), up to four where the window has room.

    Asks for no more than two rows, so on a short screen the height goes to the plan's items; the
    editor's layout (ui/plan_layout.py) lets it grow to four when there is room to spare.
    """

    FEW, MANY = 2, 4

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._fit_rows()
        # A row's height is the style's (font plus its margins): known for sure once there is a row.
        self.model().rowsInserted.connect(self._fit_rows)

    def rows_height(self, rows: int) -> int:
        row = self.sizeHintForRow(0) if self.count() else -1
        return max(row, self.fontMetrics().height()) * rows + 2 * self.frameWidth()

    def _fit_rows(self) -> None:
        self.setMaximumHeight(self.rows_height(self.MANY))
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt method name)
        return QSize(super().sizeHint().width(), self.rows_height(self.FEW))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt method name)
        # A scroll area's own minimum leaves room for both scroll bars: taller than two goals.
        return QSize(super().minimumSizeHint().width(), self.rows_height(self.FEW))


class PlanFieldsPanel(QWidget):
    planFieldEdited = Signal(str, object)  # noqa: N815 (Qt signal naming)
    """A plan-level field changed: (status|start_date|next_review, value)."""
    goalsEdited = Signal(tuple, str, object)  # noqa: N815 (Qt signal naming)
    """The goals changed: (all goals after, what was done, index being reworded or None)."""
    badDatesChanged = Signal()  # noqa: N815 (Qt signal naming)
    """A date box holds text that is not a date, or no longer does."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("planFields")
        self._loading = False
        self._goals: tuple[str, ...] = ()
        # Dates on the left, goals on the right: the plan's own fields take a few lines of height,
        # leaving a laptop's screen to the items and the selected item's details.
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        dates = QVBoxLayout()
        grid = QGridLayout()
        self.status = QComboBox()
        named(self.status, "planStatus", "Plan status")
        for s in PlanStatus:
            self.status.addItem(s.label, s.value)
        self.start = DateField("planStartDate", "Plan start date")
        self.review = DateField("planNextReview", "Next review date")
        # The rule of thumb rides on the field (tooltip, and read out with it) rather than taking a row of
        # height from the plan list on a laptop.
        for w in (self.review, self.review.edit):
            w.setToolTip(REVIEW_HINT)
        self.review.edit.setAccessibleDescription(f"{REVIEW_HINT} {self.review.edit.accessibleDescription()}")
        placed = ((0, "Plan &status:", self.status), (1, "Plan st&art:", self.start),
                  (2, "Next re&view:", self.review))
        for row, text, widget in placed:
            lab = QLabel(text)
            lab.setBuddy(widget.focusProxy() or widget)
            lab.setToolTip(widget.toolTip())
            grid.addWidget(lab, row, 0)
            grid.addWidget(widget, row, 1)
        dates.addLayout(grid)
        self.start_error = ErrorLabel("planError_start_date")
        self.review_error = ErrorLabel("planError_next_review")
        dates.addWidget(self.start_error)
        dates.addWidget(self.review_error)
        dates.addStretch(1)
        layout.addLayout(dates)

        goals_box = QVBoxLayout()
        goals_label = QLabel("<b>Goals</b> \u2014 what this plan aims for")
        goals_box.addWidget(goals_label)
        self.goals = GoalsList()
        named(self.goals, "planGoals", "Plan goals", "Double-click or press F2 to reword a goal")
        self.goals.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.goals.setItemDelegate(MaxLengthDelegate({0: max_length("plan.goal")}, self.goals))
        goals_label.setBuddy(self.goals)
        goals_box.addWidget(self.goals, 1)
        row = QHBoxLayout()
        self.new_goal = QLineEdit()
        named(self.new_goal, "planGoalNew", "New goal", GOAL_HINT)
        self.new_goal.setPlaceholderText(GOAL_HINT)
        self.new_goal.setMaxLength(max_length("plan.goal"))
        self.add_goal = QPushButton("Add &goal")
        named(self.add_goal, "planGoalAdd", "Add goal")
        self.remove_goal = QPushButton("Remove goal")
        named(self.remove_goal, "planGoalRemove", "Remove the selected goal")
        row.addWidget(self.new_goal, 1)
        row.addWidget(self.add_goal)
        row.addWidget(self.remove_goal)
        goals_box.addLayout(row)
        self.goals_error = ErrorLabel("planError_goals")
        goals_box.addWidget(self.goals_error)
        layout.addLayout(goals_box, 1)
        # Grows no taller than four goals need: room beyond that is the plan list's.
        self.goals.model().rowsInserted.connect(self._cap_height)
        self._cap_height()
        route_undo_keys_to_window(self.new_goal, self.start.edit, self.review.edit)
        wheel_only_with_focus(self.status)

        self.status.currentIndexChanged.connect(self._status_changed)
        self.start.edited.connect(lambda: self._date_edited("start_date", self.start))
        self.review.edited.connect(lambda: self._date_edited("next_review", self.review))
        self.add_goal.clicked.connect(self._add_goal)
        self.new_goal.returnPressed.connect(self._add_goal)
        self.new_goal.textChanged.connect(lambda t: self.add_goal.setEnabled(bool(t.strip())))
        self.remove_goal.clicked.connect(self._remove_goal)
        self.goals.itemChanged.connect(self._goal_reworded)
        self.goals.currentRowChanged.connect(lambda r: self.remove_goal.setEnabled(r >= 0))
        self.add_goal.setEnabled(False)
        self.remove_goal.setEnabled(False)

    # --- showing ---------------------------------------------------------------------------

    def show_plan(self, content: PlanContent) -> None:
        for field in ("status", "start_date", "next_review", "goals"):
            self.refresh_field(content, field)

    def refresh_field(self, content: PlanContent, field: str) -> None:
        self._loading = True
        try:
            if field == "status":
                self.status.setCurrentIndex(self.status.findData(content.status.value))
            elif field in ("start_date", "next_review"):
                box = self.start if field == "start_date" else self.review
                value, problem = box.value()
                if problem or value != getattr(content, field):
                    box.set_date(getattr(content, field))
            elif field == "goals":
                self._show_goals(tuple(g.text for g in content.goals))
        finally:
            self._loading = False

    def _show_goals(self, goals: tuple[str, ...]) -> None:
        self._goals = goals
        row = self.goals.currentRow()
        self.goals.clear()
        for g in goals:
            item = QListWidgetItem(g)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.goals.addItem(item)
        if goals and row >= 0:
            self.goals.setCurrentRow(min(row, len(goals) - 1))
        self.remove_goal.setEnabled(bool(goals) and self.goals.currentRow() >= 0)

    def date_problems(self) -> dict[str, str]:
        out = {}
        for field, box in (("start_date", self.start), ("next_review", self.review)):
            _, problem = box.value()
            if problem:
                out[field] = problem
        return out

    def show_problems(self, problems: dict[str, str]) -> None:
        self.start_error.show_message(problems.get("start_date"))
        self.review_error.show_message(problems.get("next_review"))
        goal_msgs = [m for f, m in problems.items() if f.startswith("goals")]
        self.goals_error.show_message(" ".join(goal_msgs) or None)
        self._cap_height()  # a message under a field takes a line

    def _cap_height(self) -> None:
        grow = self.goals.maximumHeight() - self.goals.minimumSizeHint().height()
        self.setMaximumHeight(self.layout().minimumSize().height() + grow)

    # --- editing ---------------------------------------------------------------------------

    @Slot(int)
    def _status_changed(self, _i: int) -> None:
        if not self._loading:
            self.planFieldEdited.emit("status", PlanStatus(self.status.currentData()))

    def _date_edited(self, field: str, box: DateField) -> None:
        if self._loading:
            return
        value, problem = box.value()
        if not problem:
            self.planFieldEdited.emit(field, value)
        self.badDatesChanged.emit()

    @Slot()
    def _add_goal(self) -> None:
        text = self.new_goal.text()
        if not text.strip():
            return
        self.new_goal.clear()
        self.goalsEdited.emit((*self._goals, text), "add goal", None)

    @Slot()
    def _remove_goal(self) -> None:
        row = self.goals.currentRow()
        if 0 <= row < len(self._goals):
            after = self._goals[:row] + self._goals[row + 1:]
            self.goalsEdited.emit(after, "remove goal", None)

    @Slot(QListWidgetItem)
    def _goal_reworded(self, item: QListWidgetItem) -> None:
        if self._loading:
            return
        row = self.goals.row(item)
        text = item.text()
        if not 0 <= row < len(self._goals) or text == self._goals[row]:
            return
        if not text.strip():
            after = self._goals[:row] + self._goals[row + 1:]
            self.goalsEdited.emit(after, "remove goal", None)
        else:
            after = self._goals[:row] + (text,) + self._goals[row + 1:]
            self.goalsEdited.emit(after, "reword goal", row)
