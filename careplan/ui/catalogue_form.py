"""The form that shows one catalogue item and lets the clinic add or reword items.

Every text box is plain text: what a coordinator types ('<b>', '&', emoji, Arabic) is stored and
shown exactly as typed, never interpreted.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import DISCIPLINE_ORDER, Discipline
from careplan.domain.errors import ValidationError
from careplan.domain.limits import max_length
from careplan.domain.plan import FREQUENCY_CHOICES
from careplan.domain.team import Role
from careplan.ui.dialog_kit import error_label, plain_label, set_error
from careplan.ui.form_fields import wheel_only_with_focus

TEXT_FIELDS = ("title", "caregiver_instructions", "clinical_description", "frequency", "safety_notes")
ALL_FIELDS = ("code", "discipline", "role", *TEXT_FIELDS)
LABELS = {
    "code": "Code",
    "discipline": "Discipline",
    "title": "Title",
    "caregiver_instructions": "What the caregiver does",
    "clinical_description": "Clinical description",
    "frequency": "How often",
    "role": "Who does it",
    "safety_notes": "Safety notes",
}


def suggest_code(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.casefold())
    slug = "_".join(words)[:50].strip("_")
    return f"clinic_{slug}" if slug else ""


def _text_box(name: str, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)  # Tab moves on, as in every other field
    # Sized to the text it usually holds; longer text scrolls inside the box.
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


class CatalogueItemForm(QWidget):
    edited = Signal()
    """The coordinator changed a field."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("catalogueItemForm")
        self._loading = False
        self._code_touched = False
        self.code = QLineEdit()
        self.code.setPlaceholderText("for example clinic_hand_massage")
        self.code.setMaxLength(max_length("catalogue.code"))
        self.discipline = QComboBox()
        for d in DISCIPLINE_ORDER:
            self.discipline.addItem(d.label, d.value)
        self.title = QLineEdit()
        self.title.setMaxLength(max_length("catalogue.title"))
        self.caregiver_instructions = _text_box("caregiver_instructions", 6)
        self.clinical_description = _text_box("clinical_description", 5)
        self.frequency = QComboBox()
        self.frequency.setEditable(True)
        self.frequency.addItems(FREQUENCY_CHOICES)
        self.frequency.lineEdit().setMaxLength(max_length("catalogue.frequency"))
        self.role = QComboBox()
        for r in Role:
            self.role.addItem(r.label, r.value)
        self.safety_notes = _text_box("safety_notes", 3)
        wheel_only_with_focus(self.discipline, self.frequency, self.role)  # the form scrolls instead
        self.source = plain_label("", "catalogueSource")
        self.summary_error = error_label("catalogueFormError")

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors: dict[str, QLabel] = {}
        for name in ("code", "discipline", "title", "caregiver_instructions", "clinical_description",
                     "frequency", "role", "safety_notes"):
            widget: QWidget = getattr(self, name)
            widget.setObjectName(f"catalogue_{name}")
            widget.setAccessibleName(LABELS[name])
            err = error_label(f"catalogue_{name}_error")
            self.errors[name] = err
            box = QVBoxLayout()
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(widget)
            box.addWidget(err)
            label = QLabel(f"&{LABELS[name]}:")
            label.setBuddy(widget)
            form.addRow(label, box)
        form.addRow("Source:", self.source)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(form)
        outer.addWidget(self.summary_error)
        outer.addStretch(1)

        self.title.textEdited.connect(self._title_typed)
        self.code.textEdited.connect(self._code_typed)
        for w in (self.title, self.code):
            w.textEdited.connect(self._changed)
        for box in (self.caregiver_instructions, self.clinical_description, self.safety_notes):
            box.textChanged.connect(self._changed)
        for combo in (self.discipline, self.role):
            combo.currentIndexChanged.connect(self._changed)
        self.frequency.currentTextChanged.connect(self._changed)

    # --- loading and reading ------------------------------------------------------------------
    def load(self, item: CatalogueItem | None, *, new: bool = False) -> None:
        """Show an item (or a blank form when adding); the code of a saved item cannot change."""
        self._loading = True
        try:
            blank = item is None
            self.code.setText("" if blank else item.code)
            self.code.setReadOnly(not new)
            self.code.setFrame(new)  # a saved item's code is fixed: plans refer to it
            self._code_touched = not new
            self.discipline.setCurrentIndex(0 if blank else self.discipline.findData(item.discipline.value))
            self.title.setText("" if blank else item.title)
            self.caregiver_instructions.setPlainText("" if blank else item.caregiver_instructions)
            self.clinical_description.setPlainText("" if blank else item.clinical_description)
            self.frequency.setCurrentText("" if blank else item.frequency)
            self.role.setCurrentIndex(self.role.findData((Role.OTHER if blank else item.role).value))
            self.safety_notes.setPlainText("" if blank else item.safety_notes)
            self.source.setText("The clinic" if new else ("" if blank else item.source))
            self.show_problems(None)
        finally:
            self._loading = False

    def values(self) -> dict[str, str]:
        return {
            "code": self.code.text().strip(),
            "discipline": str(self.discipline.currentData()),
            "title": self.title.text(),
            "caregiver_instructions": self.caregiver_instructions.toPlainText(),
            "clinical_description": self.clinical_description.toPlainText(),
            "frequency": self.frequency.currentText(),
            "role": str(self.role.currentData()),
            "safety_notes": self.safety_notes.toPlainText(),
        }

    def to_item(self) -> CatalogueItem:
        v = self.values()
        return CatalogueItem(
            code=v["code"], discipline=Discipline(v["discipline"]), title=v["title"],
            clinical_description=v["clinical_description"], caregiver_instructions=v["caregiver_instructions"],
            frequency=v["frequency"], role=Role(v["role"]), source="", safety_notes=v["safety_notes"],
        )

    def changes_from(self, item: CatalogueItem) -> dict[str, str]:
        """The fields that differ from the saved item, as edit_item takes them."""
        v = self.values()
        saved = {f: str(getattr(item, f)) for f in ALL_FIELDS}
        saved["discipline"], saved["role"] = item.discipline.value, item.role.value
        return {f: v[f] for f in ALL_FIELDS if f != "code" and v[f] != saved[f]}

    def set_editable(self, editable: bool) -> None:
        for name in ALL_FIELDS:
            getattr(self, name).setEnabled(editable)

    # --- problems -----------------------------------------------------------------------------
    def show_problems(self, error: ValidationError | None) -> None:
        """Put each problem under the field it names; anything else goes below the form."""
        leftover: list[str] = []
        for err in self.errors.values():
            set_error(err, None)
        for p in error.problems if error else []:
            if p.field in self.errors:
                set_error(self.errors[p.field], p.message)
            else:
                leftover.append(p.message)
        set_error(self.summary_error, "\n".join(leftover) or None)
        if error:
            first = next((f for f in ALL_FIELDS if self.errors[f].isVisible() or self.errors[f].text()), None)
            if first:
                getattr(self, first).setFocus()

    # --- slots ---------------------------------------------------------------------------------
    @Slot(str)
    def _title_typed(self, title: str) -> None:
        # While adding, offer a code made from the title until the coordinator types one.
        if not self.code.isReadOnly() and not self._code_touched:
            self.code.setText(suggest_code(title))

    @Slot(str)
    def _code_typed(self, _text: str) -> None:
        self._code_touched = True

    @Slot()
    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()
