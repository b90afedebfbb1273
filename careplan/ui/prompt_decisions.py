"""Deciding a guideline prompt in the plan editor: Accept as one undoable step, Dismiss with a reason.

Accepting changes only the working plan: the suggested items are added as ONE undo step (one
Ctrl+Z takes them all out again, as after a starter plan), the save reason starts with the
prompt's name, and the decision is stored with the revision when the plan is saved
(services.plans.save_revision(accepted_rules=...)). Undone before saving, nothing is recorded.
Dismissing is stored at once (services.prompts.dismiss), and needs a written reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.errors import CarePlanError
from careplan.domain.limits import max_length
from careplan.domain.patient import TeamMember
from careplan.domain.plan import PlanContent, PlanItem
from careplan.domain.templates import Template, TemplateItem, items_to_add
from careplan.services.prompts import Prompt, accepted_reason
from careplan.ui.dialog_kit import plain_label
from careplan.ui.form_fields import named
from careplan.ui.plan_document import PlanDocument
from careplan.ui.template_apply import reason_hint

REASON_LIMIT = "decision.reason"


@dataclass(frozen=True)
class Acceptance:
    """What accepting a prompt does to the working plan: items added, and items re-dated to today
    (a rule that asks to revisit items already there, such as yearly advance care planning)."""

    added: tuple[PlanItem, ...]
    redated: tuple[tuple[str, date | None], ...]  # (item uid, its start date before)
    on: date

    def __bool__(self) -> bool:
        return bool(self.added or self.redated)


class AcceptPrompt(QUndoCommand):
    """A prompt's suggested items in one step; holds the rule so the save can record the decision."""

    def __init__(self, doc: PlanDocument, prompt: Prompt, change: Acceptance):
        title = prompt.title if len(prompt.title) <= 40 else prompt.title[:39] + "\u2026"
        super().__init__(f"accept prompt \u201c{title}\u201d")
        self.doc, self.change = doc, change
        # carried_: kept when the steps are carried onto someone else's newer revision (ui.undo.carry_over).
        self.carried_accepts = ((prompt.rule, accepted_reason(prompt)),)

    def redo(self) -> None:
        for uid, _before in self.change.redated:
            self.doc.set_item_field(uid, "start_date", self.change.on)
        for item in self.change.added:
            self.doc.insert_item(item)

    def undo(self) -> None:
        for item in reversed(self.change.added):
            self.doc.remove_item(item.key)
        for uid, before in reversed(self.change.redated):
            self.doc.set_item_field(uid, "start_date", before)


def pending_accepts(undo: QUndoStack) -> tuple[tuple[str, str], ...]:
    """(rule, hint) of the accepts in the steps not saved yet and not undone, in the order accepted.

    A step carries them in `carried_accepts`: an Accept carries its one prompt, a recovered draft
    every prompt accepted before the crash (kept with the draft, services.plans.save_draft).
    """
    # Steps up to the saved point were saved with their decision already; steps undone never happened.
    start = max(undo.cleanIndex(), 0) if undo.cleanIndex() <= undo.index() else undo.index()
    steps = (undo.command(i) for i in range(start, undo.index()))
    return tuple(dict.fromkeys(pair for c in steps for pair in getattr(c, "carried_accepts", ())))


def accepted_rules(undo: QUndoStack) -> tuple[str, ...]:
    """The rules accepted in the working plan and not saved yet, in the order accepted."""
    return tuple(dict.fromkeys(rule for rule, _ in pending_accepts(undo)))


def decision_hint(undo: QUndoStack) -> str:
    """How the save reason names the accepted prompts ("" when none)."""
    hints = list(dict.fromkeys(hint for _, hint in pending_accepts(undo)))
    return "; ".join(hints) + ": " if hints else ""


def reason_prefill(undo: QUndoStack) -> str:
    """The start of the save reason: the starter plans applied and the prompts accepted, as one line."""
    parts = [h.removesuffix(": ") for h in (reason_hint(undo), decision_hint(undo)) if h]
    return "; ".join(parts) + ": " if parts else ""


def acceptance(prompt: Prompt, content: PlanContent, catalogue: dict[str, CatalogueItem],
               team: Iterable[TeamMember], on: date, *, revisit: bool) -> Acceptance:
    """What accepting `prompt` changes in the working plan, as services.prompts.accept would save it.

    Raises CarePlanError when a suggestion is retired or unknown in this clinic's catalogue (the
    prompt never brings back care the clinic has withdrawn), or when there is nothing to change.
    """
    missing = [c for c in prompt.suggested_items if c not in catalogue or not catalogue[c].active]
    if missing:
        raise CarePlanError(f"\u201c{prompt.title}\u201d suggests catalogue items that are retired or unknown "
                            f"here ({', '.join(missing)}); nothing was added. Dismiss it with a reason, or "
                            "reinstate the item in the catalogue.")
    # The same items a starter plan would add: who helps from the patient's own team, starting today.
    as_template = Template(prompt.rule, 1, prompt.title, "", prompt.source, tuple(
        TemplateItem(code, catalogue[code].role) for code in prompt.suggested_items))
    added = items_to_add(as_template, content, catalogue, team, on)
    redated = tuple((i.key, i.start_date) for i in content.items
                    if revisit and i.catalogue_code in prompt.suggested_items and i.start_date != on)
    change = Acceptance(added, redated, on)
    if not change:
        raise CarePlanError(f"The items \u201c{prompt.title}\u201d suggests are already in the plan; nothing to "
                            "add. Dismiss it with a reason if it does not apply.")
    return change


class DismissDialog(QDialog):
    """Why the prompt does not apply: the reason is stored with the decision and shown in the summary."""

    def __init__(self, prompt: Prompt, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dismissPromptDialog")
        self.setWindowTitle("Dismiss guideline prompt")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(prompt.title, "dismissPromptTitle"))
        intro = QLabel("Why does this not apply now? The reason is kept with the decision; the prompt comes back "
                       "if the rule or the facts that triggered it change.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.edit = QPlainTextEdit()
        named(self.edit, "dismissReason", "Reason for dismissing")
        self.edit.setPlaceholderText("e.g. Discussed NIV on 12 March; the patient declines for now")
        self.edit.setTabChangesFocus(True)
        self.edit.setMinimumHeight(self.fontMetrics().height() * 4)
        intro.setBuddy(self.edit)
        layout.addWidget(self.edit)
        self.hint = plain_label("", "dismissHint")
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Dismiss prompt")
        named(self.ok, "dismissConfirm", "Dismiss prompt")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._check)
        self._check()
        self.resize(self.fontMetrics().horizontalAdvance("M") * 36, self.sizeHint().height())

    @Slot()
    def _check(self) -> None:
        text, limit = self.edit.toPlainText(), max_length(REASON_LIMIT)
        if not text.strip():
            message = "Write why the prompt does not apply; a dismissal without a reason is not kept."
        elif len(text) > limit:
            message = f"Keep the reason under {limit:,} characters (it has {len(text):,})."
        else:
            message = ""
        self.ok.setEnabled(not message)
        self.hint.setText(message)

    def reason(self) -> str:
        return self.edit.toPlainText().strip()


def ask_dismiss_reason(parent: QWidget | None, prompt: Prompt) -> str | None:
    """The dialog, wrapped so tests can answer it; None when cancelled."""
    dialog = DismissDialog(prompt, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    return dialog.reason() if dialog.exec() == QDialog.DialogCode.Accepted else None
