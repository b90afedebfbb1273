"""Tools > Guideline rules…: the rules that raise prompts, and retiring or bringing one back.

Rules are never deleted (decisions refer to them); a retired rule raises no prompt until it is
brought back. Editing a rule's text is done in its file (`careplan rules export` / `import`), as
the README says; here the coordinator sees every rule in words and switches it off or on.
Everything goes through services.rules on the worker, logged in the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Sized

from PySide6.QtCore import QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.errors import CarePlanError
from careplan.domain.guidelines import Rule
from careplan.persistence.engine import Database
from careplan.services import changes
from careplan.services.catalogue import list_items
from careplan.services.changes import Changes
from careplan.services.rules import list_rules
from careplan.ui import dialog_kit
from careplan.ui.dialog_kit import plain_label, row_table
from careplan.ui.list_table_model import Index, ListTableModel
from careplan.ui.operations import CollectionOp, QueryOp, runner
from careplan.ui.prompt_card import plain_tip

COLUMNS = ("Rule", "Suggests", "Source", "State")
RETIRED_COLOURS = ("#eeeeee", "#555555")


def state_text(rule: Rule) -> str:
    return ("Active" if rule.active else "Retired") + (" (clinic's own)" if rule.custom else "")


def condition_text(rule: Rule) -> str:
    """The condition as the rules file spells it (data, never code)."""
    return json.dumps(rule.when, ensure_ascii=False, sort_keys=False)


class RulesModel(ListTableModel):
    columns = COLUMNS

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.rules: list[Rule] = []
        self.titles: dict[str, str] = {}  # catalogue code -> item title

    def set_rules(self, rules: list[Rule], titles: dict[str, str]) -> None:
        self.beginResetModel()
        self.rules, self.titles = rules, titles
        self.endResetModel()

    def suggests(self, rule: Rule) -> str:
        return ", ".join(self.titles.get(code, code) for code in rule.suggests)

    def row_list(self) -> Sized:
        return self.rules

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        rule = self.rules[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (rule.title, self.suggests(rule), rule.source, state_text(rule))[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(f"{rule.title} ({rule.code})\n{rule.rationale}")
        if not rule.active and role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            back, fore = RETIRED_COLOURS
            return QBrush(QColor(back if role == Qt.ItemDataRole.BackgroundRole else fore))
        return None


class RulesWindow(QDialog):
    loaded = Signal()
    """The rules were (re)read and are shown."""

    def __init__(self, db: Database, actor: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setObjectName("rulesWindow")
        self.setWindowTitle("Guideline rules")
        self.setAccessibleName("Guideline rules")
        self.resize(1100, 640)
        self.model = RulesModel(self)
        self.table = row_table(self.model, "rulesTable", "Guideline rules")
        header = self.table.horizontalHeader()
        # Rule titles are short sentences; what they suggest and cite gets the rest of the width.
        for col, chars in ((0, 62), (3, 22)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, self.fontMetrics().horizontalAdvance("n") * chars)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.details = plain_label("", "ruleDetails")
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.toggle = QPushButton("&Retire\u2026")
        self.toggle.setObjectName("ruleToggle")
        self.toggle.setEnabled(False)
        self.toggle.clicked.connect(self._toggle)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        self.count = plain_label("Reading the rules\u2026", "rulesCount")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.toggle)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("The rules that raise guideline prompts. A retired rule raises none until it is "
                                     "brought back; decisions made on it are kept. To change a rule's words or "
                                     "condition, export, edit and import the file (careplan rules export / import).",
                                     "rulesIntro"))
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show())
        runner().changesApplied.connect(self._changes_applied)
        self.reload()

    def reload(self) -> None:
        db = self.db

        def read() -> tuple[list[Rule], dict[str, str]]:
            titles = {i.code: i.title for i in list_items(db, include_retired=True)}
            return list_rules(db, include_retired=True), titles

        QueryOp(self, read).success(lambda found: self._loaded(*found)).failure(self._failed).named(
            "rules").run_in_background()

    def _loaded(self, rules: list[Rule], titles: dict[str, str]) -> None:
        code = self.current.code if self.current else None
        self.model.set_rules(rules, titles)
        retired = sum(1 for r in rules if not r.active)
        self.count.setText(f"{len(rules)} rules, {retired} retired.")
        row = next((i for i, r in enumerate(rules) if r.code == code), 0)
        if rules:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self._show()
        self.loaded.emit()

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        self.count.setText(str(error))

    @Slot(object, object)
    def _changes_applied(self, change: Changes, _source: object) -> None:
        if change.touches_rules():
            self.reload()

    @property
    def current(self) -> Rule | None:
        index = self.table.currentIndex()
        return self.model.rules[index.row()] if index.isValid() and index.row() < len(self.model.rules) else None

    def _show(self) -> None:
        rule = self.current
        self.toggle.setEnabled(rule is not None)
        if rule is None:
            self.details.setText("")
            return
        self.toggle.setText("&Retire\u2026" if rule.active else "&Bring back")
        self.details.setText(f"{rule.title} ({rule.code}) \u2014 {state_text(rule)}\n"
                             f"When: {condition_text(rule)}\nSuggests: {self.model.suggests(rule)}\n"
                             f"Why: {rule.rationale}\nSource: {rule.source}")

    @Slot()
    def _toggle(self) -> None:
        rule = self.current
        if rule is None:
            return
        if rule.active and not dialog_kit.ask_yes_no(
                self, "Retire rule", f"Retire \u201c{rule.title}\u201d? It will raise no prompt for any patient until "
                "it is brought back. Decisions already made on it are kept.", "Retire", destructive=True):
            return
        db, actor, code, active = self.db, self.actor, rule.code, not rule.active
        CollectionOp(self, lambda: changes.set_rule_active(db, code, active, actor=actor)).failure(
            self._failed).named("rule-active").run_in_background()


def open_rules(window: QWidget, db: Database, actor: str) -> RulesWindow:
    """Tools > Guideline rules…"""
    dialog = RulesWindow(db, actor, window)
    dialog.open()
    return dialog
