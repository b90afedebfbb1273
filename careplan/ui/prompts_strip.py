"""The guideline prompts strip above the plan: what the course suggests, and Accept / Dismiss.

The prompts are read on the worker (services.prompts.prompts_for) when a plan opens and whenever
a write touches the open patient: an assessment saved (Changes.patient), the plan saved
(Changes.plan), a prompt dismissed. Accept is an edit of the working plan (ui.prompt_decisions);
until the plan is saved the card says so, and Ctrl+Z takes the items out again. With nothing open
the strip is one line; for a patient who is not active it is read-only, as the plan is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.errors import CarePlanError
from careplan.services import changes as change_service
from careplan.services.clock import today
from careplan.services.prompts import Prompt, prompts_for
from careplan.services.rules import list_rules
from careplan.ui import identity, prompt_decisions
from careplan.ui.form_fields import named
from careplan.ui.operations import CollectionOp, QueryOp, runner
from careplan.ui.prompt_card import ElidedLabel, PromptCard, plain_tip
from careplan.ui.prompt_decisions import AcceptPrompt, acceptance, accepted_rules

if TYPE_CHECKING:
    from careplan.services.changes import Changes
    from careplan.ui.plan_editor import PlanEditor

EXPANDED_KEY = "promptsStrip/expanded"
ROOMY_EDITOR_HEIGHT = 760  # below this (a 1280x720 window) the strip starts collapsed to one line
VISIBLE_ROWS = 3  # the strip scrolls beyond this many prompts: the plan below keeps its rows at 1280x720
STRIP_COLOURS = ("#f5f0fa", "#6b4a8a")  # background, border: lilac, as on the worklist (amber means "due soon")


class PromptsStrip(QFrame):
    loaded = Signal()
    """The prompts of the open patient were read and are shown (tests wait for this)."""

    def __init__(self, editor: PlanEditor):
        super().__init__(editor)
        self.editor = editor
        self.setObjectName("promptsStrip")
        self.setAccessibleName("Guideline prompts")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        back, border = STRIP_COLOURS
        self.setStyleSheet(f"#promptsStrip {{ background: {back}; border: 1px solid {border}; border-radius: 3px; }}"
                           "#promptsScroll, #promptsList { background: transparent; }")
        self.prompts: list[Prompt] = []
        self.revisit: set[str] = set()  # rules whose Accept re-dates items already in the plan
        self.cards: list[PromptCard] = []
        self._pid: int | None = None
        self._generation = 0
        self._loading = 0
        self.toggle = QToolButton()
        named(self.toggle, "promptsToggle", "Show or hide the guideline prompts")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.toggled.connect(self._toggled)
        self.toggle.clicked.connect(self._remember)
        self.summary = ElidedLabel("", "promptsSummary")
        header = QHBoxLayout()
        header.addWidget(self.toggle)
        header.addWidget(self.summary, 1)
        self.list = QWidget()
        self.list.setObjectName("promptsList")
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(2)
        self.list_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.body = QScrollArea()
        self.body.setObjectName("promptsScroll")
        self.body.setWidgetResizable(True)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setWidget(self.list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 1, 6, 1)
        layout.setSpacing(1)
        layout.addLayout(header)
        layout.addWidget(self.body)
        self.body.hide()
        self._scroll_to: PromptCard | None = None  # the card whose Why? was opened last
        self.body.verticalScrollBar().rangeChanged.connect(self._scroll_to_card)
        editor.installEventFilter(self)
        editor.doc.contentReset.connect(self._plan_shown)
        editor.undo.indexChanged.connect(self._undo_moved)
        editor.undo.cleanChanged.connect(self._undo_moved)
        runner().changesApplied.connect(self._changes_applied)
        self._toggled(self.toggle.isChecked())
        self._show_summary("")
        self.hide()

    @property
    def busy(self) -> bool:
        return bool(self._loading)

    # --- reading ---------------------------------------------------------------------------

    @Slot()
    def _plan_shown(self) -> None:
        pid = self.editor.doc.patient_id
        if pid == self._pid:
            return
        self._pid = pid
        self._set_prompts([])
        self.setVisible(pid is not None)
        if pid is not None:
            self.reload()

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, _source: object) -> None:
        # An assessment saved (patient), the plan saved here or elsewhere (plan), a prompt decided (patient),
        # a rule retired or brought back (rules).
        if changes.touches_patient(self._pid) or changes.touches_plan(self._pid) or changes.touches_rules():
            self.reload()

    def reload(self) -> None:
        pid, db = self._pid, self.editor.db
        if pid is None:
            return
        self._generation += 1
        generation = self._generation
        self._loading += 1
        self._show_summary("Checking the guideline prompts\u2026")

        def read() -> tuple[list[Prompt], set[str]]:
            return prompts_for(db, pid), {r.code for r in list_rules(db) if r.revisit}

        QueryOp(self, read).success(lambda found: self._loaded(generation, pid, *found)).failure(
            lambda e: self._failed(generation, e)).named("prompts").run_in_background()

    def _loaded(self, generation: int, pid: int, found: list[Prompt], revisit: set[str]) -> None:
        self._loading -= 1
        if generation != self._generation or pid != self._pid:
            return  # an older read, or another patient's
        self.revisit = revisit
        self._set_prompts([p for p in found if p.state == "open"])
        self.loaded.emit()

    def _failed(self, generation: int, error: BaseException) -> None:
        self._loading -= 1
        if not isinstance(error, CarePlanError):
            raise error
        if generation == self._generation:
            # A broken rules file must not stop the plan from opening: say so here, once.
            self._set_prompts([])
            self._show_summary("Guideline prompts could not be checked: " + str(error).splitlines()[0])
            self.loaded.emit()

    # --- showing ---------------------------------------------------------------------------

    def _set_prompts(self, prompts: list[Prompt]) -> None:
        focused = self.isAncestorOf(QApplication.focusWidget())
        for card in self.cards:
            card.setParent(None)  # type: ignore[call-overload]
            card.deleteLater()
        self.prompts = prompts
        self._scroll_to = None
        titles = {code: item.title for code, item in self.editor.catalogue.items()}
        present = {i.catalogue_code for i in self.editor.doc.content.items}
        self.cards = []
        for p in prompts:
            card = PromptCard(p, [titles.get(c, c) for c in p.suggested_items if c not in present], self.list)
            card.acceptRequested.connect(self.accept)
            card.dismissRequested.connect(self.dismiss)
            card.why.toggled.connect(lambda opened, c=card: self._why_toggled(c, opened),
                                     Qt.ConnectionType.QueuedConnection)  # after the relayout
            self.list_layout.addWidget(card)
            self.cards.append(card)
        self._chain_tabs()
        if prompts:
            self.toggle.setChecked(self._default_expanded())
        self.follow_state()
        if focused and self.cards:
            self.cards[0].accept.setFocus()  # the keyboard user stays in the strip after a decision

    def _chain_tabs(self) -> None:
        previous: QWidget = self.toggle
        for card in self.cards:
            for w in (card.why, card.accept, card.dismiss):
                QWidget.setTabOrder(previous, w)
                previous = w

    @Slot(object)
    def _undo_moved(self, _value: object) -> None:
        if shiboken6.isValid(self.editor.undo):  # not while the editor is being torn down
            self.follow_state()

    @Slot()
    def follow_state(self) -> None:
        """After an edit, an undo, a save or a change of the patient's status: cards and summary agree."""
        accepted = set(accepted_rules(self.editor.undo))
        read_only = self.editor.read_only_reason
        for card in self.cards:
            card.show_state(card.prompt.rule in accepted, read_only)
        if self.busy:
            return
        waiting = len([p for p in self.prompts if p.rule not in accepted])
        if not self.prompts:
            text = "Guideline prompts: none open for this patient."
        else:
            text = f"Guideline prompts: {waiting} open" + (
                f", {len(self.prompts) - waiting} accepted in the working plan (save to record)" if waiting < len(
                    self.prompts) else "") + ("" if read_only is None else " (read-only)")
            if not self.toggle.isChecked():
                text += " \u2014 " + "; ".join(p.title for p in self.prompts)
        self._show_summary(text)

    def _show_summary(self, text: str) -> None:
        if text:
            self.summary.set_full_text(text)
            self.summary.setToolTip(plain_tip(text))
        has = bool(self.cards)
        self.toggle.setVisible(has)
        self.body.setVisible(has and self.toggle.isChecked())
        self._fit_body()

    @Slot()
    def _fit_body(self) -> None:
        """As tall as the rows shown, up to VISIBLE_ROWS: beyond that the list scrolls.

        Below ROOMY_EDITOR_HEIGHT (a 1280x720 window) the strip never grows past VISIBLE_ROWS one-line
        rows: an open Why? scrolls inside the strip, so the item details below need no scroll bar.
        """
        if not self.cards:
            return
        spacing = self.list_layout.spacing()
        heights = [c.sizeHint().height() + spacing for c in self.cards]
        shown = heights[:VISIBLE_ROWS]
        extra = heights[VISIBLE_ROWS] // 2 if len(heights) > VISIBLE_ROWS else 0  # half a row says "scroll"
        height = sum(shown) + extra
        if self.editor.height() < ROOMY_EDITOR_HEIGHT:
            line = max(c.line_height() for c in self.cards) + spacing
            height = min(height, line * VISIBLE_ROWS + (line // 2 if len(self.cards) > VISIBLE_ROWS else 0))
        if height != self.body.height():
            self.body.setFixedHeight(height)

    def _why_toggled(self, card: PromptCard, opened: bool) -> None:
        self._fit_body()
        # In a strip too short for it, the opened card's first line goes to the top: now, and again
        # once the list has grown by the Why lines (the scroll range follows the relayout).
        self._scroll_to = card if opened else None
        self._scroll_to_card()

    @Slot()
    def _scroll_to_card(self) -> None:
        if self._scroll_to is not None and shiboken6.isValid(self._scroll_to):
            self.body.verticalScrollBar().setValue(self._scroll_to.y())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.editor and event.type() == QEvent.Type.Resize:
            self._fit_body()  # a laptop-sized window caps the strip's height; a taller one lets it grow
        return super().eventFilter(watched, event)

    @Slot(bool)
    def _toggled(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.toggle.setText("Hide" if shown else "Show")
        self.body.setVisible(shown and bool(self.cards))
        self.follow_state()  # collapsed, the summary names the prompts

    @Slot(bool)
    def _remember(self, shown: bool) -> None:
        self.editor.saver.settings.setValue(EXPANDED_KEY, shown)  # the coordinator's choice wins from now on

    def _default_expanded(self) -> bool:
        chosen = self.editor.saver.settings.value(EXPANDED_KEY)
        if chosen is not None:
            return str(chosen).lower() in ("true", "1")
        # On a laptop screen the plan's rows matter more: one line with the titles, Show opens the rest.
        return self.editor.height() >= ROOMY_EDITOR_HEIGHT

    @Slot()
    def focus_first(self) -> None:
        """Edit > Go to guideline prompts (Ctrl+G): open the strip for now and focus the first decision."""
        if not self.isVisible():
            self.editor.message.emit("Open a patient first: guideline prompts belong to a patient's course.")
            return
        if self.cards and not self.toggle.isChecked():
            self.toggle.setChecked(True)  # not remembered: the coordinator's own choice stays as it was
        target = next((w for c in self.cards for w in (c.accept, c.dismiss, c.why) if w.isVisible() and w.isEnabled()),
                      None)
        (target or self.toggle).setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.cards:
            self.editor.message.emit(self.summary.full_text)

    def card(self, rule: str) -> PromptCard | None:
        return next((c for c in self.cards if c.prompt.rule == rule), None)

    # --- deciding --------------------------------------------------------------------------

    def _prompt(self, rule: str) -> Prompt | None:
        return next((p for p in self.prompts if p.rule == rule), None)

    @Slot(str)
    def accept(self, rule: str) -> bool:
        """Add the prompt's suggested items to the working plan as one undoable step."""
        editor, doc = self.editor, self.editor.doc
        prompt = self._prompt(rule)
        if prompt is None or doc.patient is None:
            return False
        if editor.read_only_reason:
            editor.message.emit(editor.read_only_reason)
            return False
        if rule in accepted_rules(editor.undo):
            editor.message.emit(f"\u201c{prompt.title}\u201d is already accepted; save the plan to record it.")
            return False
        try:
            change = acceptance(prompt, doc.content, editor.catalogue, doc.patient.care_team, today(),
                                revisit=rule in self.revisit)
        except CarePlanError as e:
            editor.message.emit(str(e))
            return False
        editor.undo.push(AcceptPrompt(doc, prompt, change))
        n, m = len(change.added), len(change.redated)
        done = "; ".join(part for part in (f"Added {n} item{'s' if n != 1 else ''}" if n else "",
                                           f"dated {m} item{'s' if m != 1 else ''} today" if m else "") if part)
        editor.message.emit(f"{done} for \u201c{prompt.title}\u201d. Save the plan to record the decision; "
                            "Ctrl+Z takes it back.")
        return True

    @Slot(str)
    def dismiss(self, rule: str) -> bool:
        """Ask why, then store the dismissal at once (it does not wait for the plan's save)."""
        editor = self.editor
        prompt, pid = self._prompt(rule), self._pid
        if prompt is None or pid is None:
            return False
        if editor.read_only_reason:
            editor.message.emit(editor.read_only_reason)
            return False
        actor = identity.ensure_actor(self, editor.saver.settings)
        if not actor:
            editor.message.emit("Not dismissed: a decision needs the name of the person making it.")
            return False
        reason = prompt_decisions.ask_dismiss_reason(self, prompt)
        if reason is None:
            return False
        db = editor.db
        CollectionOp(self, lambda: change_service.dismiss_prompt(db, pid, rule, reason=reason, actor=actor)).success(
            lambda _r: editor.message.emit(f"Dismissed \u201c{prompt.title}\u201d: the reason is kept with the "
                                           "decision.")).failure(self._dismiss_failed).named(
            "dismiss-prompt").run_in_background()
        return True

    def _dismiss_failed(self, error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        self.editor.message.emit(f"Not dismissed: {error}")
        self.reload()
