"""Save the open plan as a new starter plan: which items it keeps, and the small form that names it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.plan import PlanContent
from careplan.domain.team import Role
from careplan.domain.templates import STARTING_STATUSES, Template, TemplateItem
from careplan.domain.text import CODE_PATTERN
from careplan.ui.dialog_kit import plain_label
from careplan.ui.form_fields import named


@dataclass(frozen=True)
class FromPlan:
    items: tuple[TemplateItem, ...]
    skipped: tuple[str, ...]  # titles of plan items a starter plan cannot hold, and why


def _role(responsible: str, default: Role) -> Role:
    """Who helps, as the plan editor wrote it ("Pat Physio (Physiotherapist)" or "Physiotherapist")."""
    text = responsible.strip().casefold()
    for role in Role:
        label = role.label.casefold()
        if text == label or text.endswith(f"({label})"):
            return role
    return default


def template_from_plan(content: PlanContent, catalogue: Mapping[str, CatalogueItem]) -> FromPlan:
    """The plan's items as template items; a person's name is never copied, only the team role."""
    items, skipped = [], []
    for item in content.items:
        cat = catalogue.get(item.catalogue_code)
        if cat is None or not cat.active:
            skipped.append(f"{item.title} (not an item of the catalogue in use)")
        elif item.status not in STARTING_STATUSES:
            skipped.append(f"{item.title} ({item.status.label.lower()}: not a starting point)")
        else:
            items.append(TemplateItem(code=cat.code, role=_role(item.responsible, cat.role), status=item.status,
                                      frequency="" if item.frequency == cat.frequency else item.frequency,
                                      goal=item.goal))
    return FromPlan(tuple(items), tuple(skipped))


class NewTemplateDialog(QDialog):
    """Code, title, when it applies and its source; the items come from the open plan."""

    def __init__(self, parent: QWidget | None, found: FromPlan, taken: set[str]):
        super().__init__(parent)
        self.setObjectName("newTemplateDialog")
        self.setWindowTitle("Save the open plan as a new starter plan")
        self.found, self.taken = found, taken
        self.code, self.title, self.applies, self.source = QLineEdit(), QLineEdit(), QPlainTextEdit(), QLineEdit()
        for widget, name, accessible in ((self.code, "newTemplateCode", "Code"), (self.title, "newTemplateTitle", "Title"),
                                         (self.applies, "newTemplateAppliesWhen", "When it applies"),
                                         (self.source, "newTemplateSource", "Based on")):
            named(widget, name, accessible)
        self.code.setPlaceholderText("e.g. clinic_falls (lowercase letters, digits, _)")
        self.applies.setTabChangesFocus(True)
        self.applies.setFixedHeight(self.fontMetrics().height() * 4)
        self.source.setText("Clinic's own")
        form = QFormLayout()
        form.addRow("&Code:", self.code)
        form.addRow("&Title:", self.title)
        form.addRow("&When it applies:", self.applies)
        form.addRow("&Based on:", self.source)
        kept = f"{len(found.items)} items of the open plan will be in it (who helps is kept as a team role, never a name)."
        if found.skipped:
            kept += "\nLeft out: " + "; ".join(found.skipped) + "."
        self.problem = plain_label("", "newTemplateProblem")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(plain_label(kept, "newTemplateItems"))
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 48, self.sizeHint().height())

    def template(self) -> Template:
        return Template(code=self.code.text().strip(), version=1, title=self.title.text().strip(),
                        applies_when=self.applies.toPlainText().strip(), source=self.source.text().strip(),
                        items=self.found.items)

    def _accept(self) -> None:
        """Say the first problem here; the service checks everything again when it saves."""
        t = self.template()
        if not CODE_PATTERN.fullmatch(t.code):
            self.problem.setText("The code must be 3 to 64 lowercase letters, digits or _, starting with a letter.")
        elif t.code in self.taken:
            self.problem.setText(f"The code {t.code} is already used; choose another.")
        elif not (t.title and t.applies_when and t.source):
            self.problem.setText("Write a title, when it applies and what it is based on.")
        elif not t.items:
            self.problem.setText("The open plan has no item a starter plan can hold.")
        else:
            self.accept()


def ask_new_template(parent: QWidget | None, found: FromPlan, taken: set[str]) -> Template | None:
    """The dialog, wrapped so tests can answer it."""
    dialog = NewTemplateDialog(parent, found, taken)
    return dialog.template() if dialog.exec() == QDialog.DialogCode.Accepted else None
