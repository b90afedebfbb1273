"""Small form pieces shared by the patient dialog and the plan editor."""

from __future__ import annotations

import re
from datetime import date, datetime

from PySide6.QtCore import (
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QPalette, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QWidget,
    QWidgetAction,
)

ERROR_COLOUR = "#a4000f"


def set_text_colour(widget: QWidget, colour: str) -> None:
    # A palette, not a style sheet: style sheets on word-wrapped labels upset their height.
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
    widget.setPalette(palette)
DATE_HINT = "YYYY-MM-DD"


def named(widget: QWidget, object_name: str, accessible: str, description: str = "") -> QWidget:
    """Give a control the names tests and screen readers look for."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)
    if description:
        widget.setAccessibleDescription(description)
    return widget


class ErrorLabel(QLabel):
    """A message shown right under the field it is about; hidden while there is nothing to say."""

    def __init__(self, object_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        set_text_colour(self, ERROR_COLOUR)
        self.setAccessibleName("Problem")
        self.hide()

    def show_message(self, message: str | None) -> None:
        # The "Problem:" word makes the message clear without relying on the colour.
        self.setText(f"Problem: {message}" if message else "")
        self.setVisible(bool(message))

    def message(self) -> str:
        return self.text()


def parse_date(text: str) -> date | None:
    """ISO dates (2024-03-05) or '5 Mar 2024'; raises ValueError with a plain message."""
    t = text.strip()
    if not t:
        return None
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", t):
        y, m, d = (int(x) for x in t.split("-"))
        try:
            return date(y, m, d)
        except ValueError:
            raise ValueError(f"'{t}' is not a real date.") from None
    for fmt in ("%d %b %Y", "%d %B %Y"):
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"Write the date as {DATE_HINT} (for example 1961-04-23), or pick it from the calendar.")


class DateField(QWidget):
    """A typed date (so a keyboard user is never slowed down) with a calendar button.

    Empty means "not set". Text that is not a date stays as typed and is reported, never lost.
    """

    edited = Signal()
    """The user changed the text (typing or the calendar)."""

    def __init__(self, object_name: str, accessible: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name + "Field")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        named(self.edit, object_name, accessible, f"Date as {DATE_HINT}; leave empty when not known")
        self.edit.setPlaceholderText(DATE_HINT)
        self.edit.setMaxLength(40)
        wide = self.edit.fontMetrics().horizontalAdvance("0000-00-00 MMM") + 12
        self.edit.setMinimumWidth(wide)
        self.edit.setMaximumWidth(wide * 2)
        self.edit.textEdited.connect(self._typed)
        layout.addWidget(self.edit)
        self.button = QToolButton()
        named(self.button, object_name + "Calendar", f"Pick {accessible.lower()} from a calendar")
        self.button.setText("Pick")
        self.button.setToolTip(f"Pick {accessible.lower()} from a calendar")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName(object_name + "CalendarWidget")
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._prepare_calendar)
        self.button.setMenu(menu)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text()

    def set_date(self, value: date | None) -> None:
        """Show a value without counting it as the user's edit."""
        text = value.isoformat() if value else ""
        if self.edit.text() != text:
            self.edit.setText(text)

    def set_text(self, text: str) -> None:
        self.edit.setText(text)
        self.edited.emit()

    def value(self) -> tuple[date | None, str | None]:
        """(date, None) when the text is a date or empty, else (None, the problem)."""
        try:
            return parse_date(self.edit.text()), None
        except ValueError as e:
            return None, str(e)

    @Slot()
    def _typed(self) -> None:
        self.edited.emit()

    @Slot()
    def _prepare_calendar(self) -> None:
        current, _ = self.value()
        d = current or date.today()
        self.calendar.setSelectedDate(QDate(d.year, d.month, d.day))

    @Slot(QDate)
    def _picked(self, qd: QDate) -> None:
        self.edit.setText(date(qd.year(), qd.month(), qd.day()).isoformat())
        self.button.menu().close()
        self.edited.emit()


class MaxLengthDelegate(QStyledItemDelegate):
    """Gives the line edit a view opens on a cell its column's maximum length (domain limits)."""

    def __init__(self, lengths: dict[int, int], parent: QObject | None = None):
        super().__init__(parent)
        self.lengths = lengths

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QWidget:
        editor = super().createEditor(parent, option, index)
        if isinstance(editor, QLineEdit) and index.column() in self.lengths:
            editor.setMaxLength(self.lengths[index.column()])
        return editor


class _UndoKeysToWindow(QObject):
    """Lets Ctrl+Z / Ctrl+Shift+Z reach the window's undo stack instead of the text box's own.

    Text widgets claim those keys for their private undo; the plan keeps one history of edits.
    """

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) and (
            event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)
            or _is_redo_alternative(event)
        ):
            event.ignore()
            return True
        return False


def _is_redo_alternative(event: QKeyEvent) -> bool:
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return event.key() == Qt.Key.Key_Z and mods == (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


_UNDO_ROUTER: _UndoKeysToWindow | None = None


def route_undo_keys_to_window(*widgets: QWidget) -> None:
    global _UNDO_ROUTER
    if _UNDO_ROUTER is None:
        _UNDO_ROUTER = _UndoKeysToWindow()
    for w in widgets:
        w.installEventFilter(_UNDO_ROUTER)
        if isinstance(w, QPlainTextEdit):
            w.setUndoRedoEnabled(False)


class _WheelToScrollArea(QObject):
    """A drop-down or spin box under a passing pointer lets the wheel scroll the form around it.

    Only once the user has put the focus in it (click or Tab) does the wheel change its value:
    otherwise scrolling a form silently rewrites whatever choice passes under the pointer.
    """

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(obj, QWidget) or obj.hasFocus():
            return False
        assert isinstance(event, QWheelEvent)
        area = _scroll_area_around(obj)
        if area is not None:
            at = obj.mapTo(area.viewport(), event.position().toPoint())
            QApplication.sendEvent(area.viewport(), QWheelEvent(
                QPointF(at), event.globalPosition(), event.pixelDelta(), event.angleDelta(), event.buttons(),
                event.modifiers(), event.phase(), event.inverted(), event.source()))
        return True  # never the widget's own: it would change the value


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


_WHEEL_FILTER: _WheelToScrollArea | None = None


def wheel_only_with_focus(*widgets: QWidget) -> None:
    """Combo boxes and spin boxes in a scrollable form take the wheel only while they have focus."""
    global _WHEEL_FILTER
    if _WHEEL_FILTER is None:
        _WHEEL_FILTER = _WheelToScrollArea()
    for w in widgets:
        if w.focusPolicy() == Qt.FocusPolicy.WheelFocus:  # the wheel must not hand them the focus either
            w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        w.installEventFilter(_WHEEL_FILTER)


class SearchBox(QLineEdit):
    """A search field where Down or Enter moves on to the results, so typing flows into choosing."""

    toList = Signal()  # noqa: N815 (Qt signal naming)
    """The user wants to move into the results."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.toList.emit()
            return
        super().keyPressEvent(event)
