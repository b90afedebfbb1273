"""When someone else saved the plan first: show what they changed and offer to re-apply
this user's edits on top. Nothing the user typed is ever thrown away here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.diff import PlanDiff
from careplan.services.plans import ConflictError
from careplan.ui.dialog_kit import local_time
from careplan.ui.form_fields import named


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return "\u201c" + (text if len(text) <= limit else text[: limit - 1] + "\u2026") + "\u201d"


def describe_diff(d: PlanDiff) -> list[str]:
    """One plain sentence per change, for people rather than machines."""
    lines = [f"Added {_quote(i.title)}" for i in d.added]
    lines += [f"Removed {_quote(i.title)}" for i in d.removed]
    for change in d.changed:
        for fc in change.changes:
            before = _quote(fc.before) if fc.before else "(empty)"
            after = _quote(fc.after) if fc.after else "(empty)"
            lines.append(f"{_quote(change.after.title)}: {fc.label.lower()} {before} \u2192 {after}")
    for fc in d.plan_changes:
        lines.append(f"{fc.label}: {fc.before or '(not set)'} \u2192 {fc.after or '(not set)'}")
    lines += [f"New goal {_quote(g)}" for g in d.goals_added]
    lines += [f"Goal removed {_quote(g)}" for g in d.goals_removed]
    return lines or ["No visible changes (the same content was saved again)."]


class ConflictDialog(QDialog):
    def __init__(self, error: ConflictError, mine: PlanDiff, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle("Someone else saved this plan")
        theirs = error.theirs
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{theirs.author} saved revision {theirs.number} on {local_time(theirs.created_at)}, "
            f"while you were editing revision {error.base}.\nYour edits are safe: nothing has been lost."
        )
        intro.setObjectName("conflictIntro")
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if theirs.reason:
            reason = QLabel(f"Their reason: {theirs.reason}")
            reason.setTextFormat(Qt.TextFormat.PlainText)
            reason.setWordWrap(True)
            layout.addWidget(reason)

        layout.addWidget(QLabel(f"<b>What {_escape(theirs.author)} changed</b>"))
        self.theirs_list = QListWidget()
        named(self.theirs_list, "conflictTheirChanges", "What the other person changed")
        self.theirs_list.addItems(describe_diff(error.their_changes))
        self.theirs_list.setWordWrap(True)
        layout.addWidget(self.theirs_list, 1)
        layout.addWidget(QLabel("<b>Your changes, still unsaved</b>"))
        self.mine_list = QListWidget()
        named(self.mine_list, "conflictMyChanges", "Your unsaved changes")
        self.mine_list.addItems(describe_diff(mine))
        self.mine_list.setWordWrap(True)
        layout.addWidget(self.mine_list, 1)
        explain = QLabel(
            "Re-apply puts your changes on top of their revision. Where you both changed the same "
            "thing, your version is used. Check the plan, then save again."
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        buttons = QDialogButtonBox()
        self.reapply = QPushButton("&Re-apply my edits on top")
        named(self.reapply, "conflictReapply", "Re-apply my edits on top")
        self.reapply.setDefault(True)
        self.later = QPushButton("&Keep editing")
        named(self.later, "conflictCancel", "Keep editing without saving")
        buttons.addButton(self.reapply, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.later, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        em = self.fontMetrics().horizontalAdvance("M")
        self.resize(em * 58, self.fontMetrics().height() * 30)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ask_conflict(parent: QWidget | None, error: ConflictError, mine: PlanDiff) -> bool:
    """True to re-apply the user's edits on top of the other revision. Tests replace this."""
    return ConflictDialog(error, mine, parent).exec() == QDialog.DialogCode.Accepted
