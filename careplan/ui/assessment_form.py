"""The entry form for one assessment: ALSFRS-R, breathing tests, weight, NIV and gastrostomy.

Built for the keyboard: each ALSFRS-R score takes one digit 0-4 and moves on to the next item
by itself, so the 12 scores are typed as 12 digits; Tab moves through the rest. Every field is
checked as it is left, with the message under it naming the problem; nothing is saved until
the whole assessment passes the domain's rules (careplan.domain.course).
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from PySide6.QtCore import QRegularExpression, Qt, Signal, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.course import (
    KINGS_STAGES,
    Alsfrs,
    Assessment,
    FvcPosition,
    Item5Form,
    Provision,
    check_measure,
    parse_number,
    validate_assessment,
)
from careplan.domain.errors import Problems, ValidationError
from careplan.services.clock import today as clock_today
from careplan.ui.dialog_kit import error_label
from careplan.ui.form_fields import named

# The questions as a clinic asks them (our wording), with what 4 and 0 mean.
QUESTIONS = (
    ("Speech", "Speech: 4 normal, 3 noticeably changed, 2 understood if repeated, 1 speaks and uses other "
     "means, 0 no useful speech"),
    ("Salivation", "Drooling: 4 normal, 3 slight excess saliva (may drool at night), 2 moderate, 1 marked, "
     "0 constant, needs a tissue"),
    ("Swallowing", "Swallowing: 4 normal, 3 early problems (occasional choking), 2 changes food consistency, "
     "1 needs tube top-ups, 0 nothing by mouth"),
    ("Handwriting", "Handwriting: 4 normal, 3 slow or sloppy but readable, 2 not all words readable, "
     "1 can grip a pen but not write, 0 cannot grip a pen"),
    ("Cutting food", "5a without gastrostomy: 4 normal ... 0 must be fed. 5b with gastrostomy: 4 normal, "
     "3 clumsy but manages all tube feeding, 2 needs some help, 1 gives minimal help, 0 cannot do any"),
    ("Dressing, hygiene", "Dressing and hygiene: 4 normal, 3 independent with effort, 2 occasional help, "
     "1 needs an attendant, 0 fully dependent"),
    ("Turning in bed", "Turning in bed and adjusting covers: 4 normal, 3 slow and clumsy, 2 alone with great "
     "difficulty, 1 starts but cannot finish, 0 helpless"),
    ("Walking", "Walking: 4 normal, 3 early difficulty, 2 walks with help, 1 moves legs but does not walk, "
     "0 no purposeful leg movement"),
    ("Climbing stairs", "Climbing stairs: 4 normal, 3 slow, 2 mild unsteadiness or fatigue, 1 needs help, "
     "0 cannot climb"),
    ("Dyspnoea", "Short of breath: 4 none, 3 when walking, 2 with eating, bathing or dressing, 1 at rest, "
     "0 significant, ventilatory support considered"),
    ("Orthopnoea", "Breathless lying flat: 4 none, 3 some trouble sleeping at night, 2 needs extra pillows, "
     "1 can only sleep sitting up, 0 cannot sleep"),
    ("Resp. insufficiency", "Breathing support: 4 none, 3 intermittent BiPAP, 2 continuous BiPAP at night, "
     "1 BiPAP day and night, 0 invasive ventilation"),
)
NONE = "\u2014"
E = TypeVar("E", FvcPosition, Provision)


def _combo(name: str, accessible: str, choices: list[tuple[str, object]]) -> QComboBox:
    box = QComboBox()
    named(box, name, accessible)
    for text, value in choices:
        box.addItem(text, value)
    return box


def _chosen(box: QComboBox, kind: type[E]) -> E | None:
    """Qt hands enum data back as plain strings: turn them into the domain's enum again."""
    value = box.currentData()
    return None if value is None else kind(value)


class AssessmentForm(QWidget):
    submitted = Signal(object)
    """A valid Assessment to save (its author and any `supersedes` filled in)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("assessmentForm")
        self.supersedes: int | None = None
        self.date_of_birth: date | None = None
        self.today = clock_today()
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        self.heading = QLabel("New assessment")
        self.heading.setObjectName("assessmentFormHeading")
        layout.addWidget(self.heading)
        top = QFormLayout()
        self.date = QLineEdit()
        named(self.date, "assessmentDate", "Date of the assessment", "YYYY-MM-DD")
        self.date.setPlaceholderText("YYYY-MM-DD")
        top.addRow("&Date:", self.date)
        top.addRow(self._error("date"))
        layout.addLayout(top)
        layout.addWidget(self._alsfrs_box())
        layout.addWidget(self._measures_box())
        self.problem = error_label("assessmentProblem")
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.clear()

    def _error(self, field: str) -> QLabel:
        label = error_label(f"error_{field}")
        self.errors[field] = label
        return label

    def _alsfrs_box(self) -> QGroupBox:
        box = QGroupBox("ALSFRS-R: a digit 0-4 for each item (hover for the wording); all blank to skip")
        grid = QGridLayout(box)
        grid.setVerticalSpacing(2)
        self.scores: list[QLineEdit] = []
        digit = QRegularExpressionValidator(QRegularExpression("[0-4]"), self)
        for n, (question, anchors) in enumerate(QUESTIONS, start=1):
            edit = QLineEdit()
            named(edit, f"alsfrsItem{n}", f"ALSFRS-R item {n}: {question}", anchors)
            edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
            edit.setValidator(digit)
            edit.setMaxLength(1)
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("0") * 3 + 14)
            edit.setToolTip(anchors)
            edit.textEdited.connect(lambda text, k=n - 1: self._advance(k, text))
            label = QLabel(f"{n}. {question}")
            label.setBuddy(edit)
            label.setToolTip(anchors)
            row = (n - 1) % 6
            col = 0 if n <= 6 else 3
            grid.addWidget(label, row, col)
            grid.addWidget(edit, row, col + 1)
            grid.setColumnMinimumWidth(2, 18)
            self.scores.append(edit)
        self.item5_form = _combo("alsfrsItem5Form", "Item 5 form",
                                 [("5a: no gastrostomy", Item5Form.WITHOUT_GASTROSTOMY),
                                  ("5b: with gastrostomy", Item5Form.WITH_GASTROSTOMY)])
        form_label = QLabel("Item &5 asked as:")
        form_label.setBuddy(self.item5_form)
        grid.addWidget(form_label, 6, 0)
        grid.addWidget(self.item5_form, 6, 1, 1, 4)
        grid.addWidget(self._error("alsfrs"), 7, 0, 1, 5)
        grid.setColumnStretch(5, 1)
        return box

    def _measures_box(self) -> QGroupBox:
        box = QGroupBox("Breathing, weight and interventions (any subset)")
        form = QFormLayout(box)
        self.numbers: dict[str, QLineEdit] = {}
        for field, label, hint in (("fvc_pct", "&FVC, % predicted:", "1-200"), ("fvc_litres", "FVC, &litres:", "0.1-10"),
                                   ("snip_cmh2o", "S&NIP, cmH2O:", "1-250"), ("weight_kg", "&Weight, kg:", "15-350")):
            edit = QLineEdit()
            named(edit, f"assessment_{field}", label.replace("&", "").rstrip(":"), hint)
            edit.setPlaceholderText(hint)
            edit.editingFinished.connect(lambda f=field: self._check_number(f))
            self.numbers[field] = edit
            form.addRow(label, edit)
            form.addRow(self._error(field))
            if field == "fvc_litres":
                self.position = _combo("assessmentFvcPosition", "FVC position",
                                       [(NONE, None), ("Sitting", FvcPosition.SITTING), ("Lying", FvcPosition.LYING)])
                form.addRow("FVC &position:", self.position)
                form.addRow(self._error("fvc_position"))
        provisions = [(NONE, None)] + [(p.label, p) for p in Provision]
        self.niv = _combo("assessmentNiv", "Non-invasive ventilation", provisions)
        self.gastrostomy = _combo("assessmentGastrostomy", "Gastrostomy", provisions)
        self.kings = _combo("assessmentKings", "King's stage judged by the clinician",
                            [(NONE, None)] + [(s, s) for s in KINGS_STAGES])
        form.addRow("N&IV:", self.niv)
        form.addRow("&Gastrostomy:", self.gastrostomy)
        form.addRow("&King's stage (your judgement):", self.kings)
        self.reason = QLineEdit()
        named(self.reason, "assessmentReason", "Reason for the correction")
        form.addRow("Reason for &correction:", self.reason)
        form.addRow(self._error("reason"))
        return box

    # --- typing --------------------------------------------------------------------------------
    def _advance(self, index: int, text: str) -> None:
        if text and index + 1 < len(self.scores):
            self.scores[index + 1].setFocus()
            self.scores[index + 1].selectAll()
        elif text:
            self.numbers["fvc_pct"].setFocus()

    @Slot()
    def _check_number(self, field: str) -> None:
        try:
            value = parse_number(field, self.numbers[field].text())
            problems = Problems()
            check_measure(problems, field, value)
            problems.raise_if_any()
            self._show_error(field, "")
        except ValidationError as e:
            self._show_error(field, e.for_field(field) or str(e))

    def _show_error(self, field: str, message: str) -> None:
        label = self.errors.get(field)
        if label is not None:
            label.setText(message)
            label.setVisible(bool(message))

    # --- values ----------------------------------------------------------------------------------
    def clear(self, *, gastrostomy_in_use: bool = False) -> None:
        self.supersedes = None
        self.heading.setText("New assessment")
        self.date.setText(self.today.isoformat())
        for e in self.scores:
            e.clear()
        self.item5_form.setCurrentIndex(1 if gastrostomy_in_use else 0)
        for e in self.numbers.values():
            e.clear()
        for box in (self.position, self.niv, self.gastrostomy, self.kings):
            box.setCurrentIndex(0)
        self.reason.clear()
        for f in self.errors:
            self._show_error(f, "")
        self.problem.hide()

    def load_for_correction(self, a: Assessment) -> None:
        """Fill the form with an earlier assessment; saving adds a new one that supersedes it."""
        self.clear()
        self.supersedes = a.id
        self.heading.setText(f"Correcting the assessment of {a.assessed_on.isoformat()} by {a.author}")
        self.date.setText(a.assessed_on.isoformat())
        if a.alsfrs:
            for e, v in zip(self.scores, a.alsfrs.items, strict=True):
                e.setText(str(v))
            self.item5_form.setCurrentIndex(self.item5_form.findData(str(a.alsfrs.item5_form)))
        for field, edit in self.numbers.items():
            value = getattr(a, field)
            edit.setText("" if value is None else f"{value:g}")
        for box, value in ((self.position, a.fvc_position), (self.niv, a.niv), (self.gastrostomy, a.gastrostomy),
                           (self.kings, a.kings_recorded)):
            box.setCurrentIndex(max(0, box.findData(None if value is None else str(value))))
        self.reason.setFocus()

    def assessment(self, author: str) -> Assessment:
        """What the form says, checked; raises ValidationError naming each bad field."""
        problems = Problems()
        try:
            assessed_on = date.fromisoformat(self.date.text().strip())
        except ValueError:
            problems.add("date", f"{self.date.text()!r} is not a date; write it as YYYY-MM-DD.")
            assessed_on = self.today
        typed = [e.text().strip() for e in self.scores]
        alsfrs = None
        if all(typed):
            alsfrs = Alsfrs(tuple(int(t) for t in typed), Item5Form(self.item5_form.currentData()))
        elif any(typed):
            missing = ", ".join(str(n) for n, t in enumerate(typed, start=1) if not t)
            problems.add("alsfrs", f"ALSFRS-R items {missing} are blank: give all 12 scores, or none.")
        numbers = {}
        for field, edit in self.numbers.items():
            try:
                numbers[field] = parse_number(field, edit.text())
            except ValidationError as e:
                problems.items.extend(e.problems)
                numbers[field] = None
        problems.raise_if_any()
        a = Assessment(assessed_on=assessed_on, author=author, alsfrs=alsfrs, **numbers,
                       fvc_position=_chosen(self.position, FvcPosition), niv=_chosen(self.niv, Provision),
                       gastrostomy=_chosen(self.gastrostomy, Provision), kings_recorded=self.kings.currentData(),
                       supersedes=self.supersedes, reason=self.reason.text())
        validate_assessment(a, today=self.today, date_of_birth=self.date_of_birth)
        return a

    def show_problems(self, error: ValidationError) -> None:
        shown = []
        for f in self.errors:
            message = error.for_field(f) or ""
            self._show_error(f, message)
            if message:
                shown.append(f)
        rest = [p.message for p in error.problems if p.field not in shown]
        self.problem.setText(" ".join(rest))
        self.problem.setVisible(bool(rest))
        first = error.problems[0].field
        target = {"date": self.date, "alsfrs": self.scores[0]}.get(first) or self.numbers.get(first)
        if target is not None:
            target.setFocus()
