"""Room for the plan: the catalogue as a panel shown only while adding, and plan columns sized to
their words.

At 1280x720 the catalogue beside the plan squeezed every column ("Every 3 mo…", "Offered b…"). Now
the catalogue opens on demand (its button, Ctrl+K; by itself for a plan with no items yet) and
Escape puts it away; the status and "How often" columns are always wide enough for their longest
label, and only free text (item names, who helps) gives way when the window is narrow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QHeaderView, QPushButton, QStyle, QTreeView, QWidget

from careplan.domain.plan import FREQUENCY_CHOICES, ItemStatus, PlanItem
from careplan.ui.catalogue_picker import CataloguePicker
from careplan.ui.form_fields import named

COL_ITEM, COL_FREQUENCY, COL_WHO, COL_STATUS = range(4)
TYPED_FREQUENCY_ROOM = 1.5  # a typed "How often" may widen its column this much past the longest choice
WHO_HELPS_EMS = 20  # "Who helps" is a name as typed: beyond this it is elided (full text in the details)
OPEN_TEXT, CLOSE_TEXT = "Add from &catalogue\u2026  (Ctrl+K)", "Hide &catalogue  (Esc)"


def text_margin(view: QWidget) -> int:
    """Room Qt keeps either side of a cell's text; text wider than the rest is elided."""
    return view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1


def column_need(view: QTreeView, texts: Iterable[str], header: str) -> int:
    """Width a column needs to show every text whole (and its header)."""
    fm = view.fontMetrics()
    cell = max((fm.horizontalAdvance(t) for t in texts), default=0) + 2 * text_margin(view)
    head = view.header()
    head_fm = head.fontMetrics()
    # Header labels get the style's header margins either side (plus room for a sort arrow).
    title = head_fm.horizontalAdvance(header) + 2 * head.style().pixelMetric(
        QStyle.PixelMetric.PM_HeaderMargin, None, head) + head_fm.horizontalAdvance("M")
    return max(cell, title) + 2  # a pixel either side for the grid line


def fit_item_columns(view: QTreeView, items: Iterable[PlanItem]) -> None:
    """Status and How often never elide; Who helps fits its longest name up to a cap; the item names
    get what they need from the rest (elided only when the window is too narrow for them)."""
    items = list(items)
    model = view.model()
    heading = [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]
    head = view.header()
    # Room to spare goes after the last column, not between the names and their details.
    head.setStretchLastSection(True)
    choices = column_need(view, FREQUENCY_CHOICES, heading[COL_FREQUENCY])
    typed = column_need(view, (i.frequency for i in items), heading[COL_FREQUENCY])
    em = view.fontMetrics().horizontalAdvance("M")
    widths = {
        COL_FREQUENCY: max(choices, min(typed, int(choices * TYPED_FREQUENCY_ROOM))),
        COL_WHO: min(column_need(view, (i.responsible for i in items), heading[COL_WHO]), em * WHO_HELPS_EMS),
        COL_STATUS: column_need(view, (s.label for s in ItemStatus), heading[COL_STATUS]),
    }
    # Item names sit under their discipline; a problem marker may precede them.
    names = column_need(view, ("\u26a0 " + i.title for i in items), heading[COL_ITEM]) + 2 * view.indentation()
    room = view.viewport().width() - sum(widths.values())
    widths[COL_ITEM] = max(em * 6, min(names, room))
    head.setMinimumSectionSize(min(em * 6, widths[COL_STATUS]))
    for col in (COL_ITEM, COL_FREQUENCY, COL_WHO, COL_STATUS):
        head.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        if col != head.count() - 1 and head.sectionSize(col) != widths[col]:
            head.resizeSection(col, widths[col])


class ItemColumns(QObject):
    """Refits the plan's columns when its items change or the view is resized."""

    def __init__(self, view: QTreeView, items: Callable[[], Iterable[PlanItem]], parent: QObject | None = None):
        super().__init__(parent)
        self.view = view
        self.items = items
        view.viewport().installEventFilter(self)
        self.fit()

    @Slot()
    def fit(self) -> None:
        fit_item_columns(self.view, self.items())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False


class CatalogueToggle(QObject):
    """Shows and hides the catalogue picker beside the plan; the button says which it will do."""

    openChanged = Signal(bool)  # noqa: N815 (Qt signal naming)
    """The catalogue was shown (True) or put away (False)."""

    def __init__(self, picker: CataloguePicker, back_to: QWidget, parent: QObject | None = None):
        super().__init__(parent)
        self.picker = picker
        self.back_to = back_to  # where focus goes when the catalogue is put away with Escape
        self.button = QPushButton(OPEN_TEXT)
        named(self.button, "catalogueToggle", "Show or hide the catalogue",
              "Show the treatment catalogue beside the plan to add items (Ctrl+K)")
        self.button.setCheckable(True)
        self.button.setAutoDefault(False)
        self.button.toggled.connect(self.set_open)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), picker)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.put_away)
        picker.hide()

    @property
    def is_open(self) -> bool:
        return not self.picker.isHidden()

    @Slot(bool)
    def set_open(self, show: bool) -> None:
        if show != self.button.isChecked():
            self.button.setChecked(show)  # comes back here through toggled
            return
        self.button.setText(CLOSE_TEXT if show else OPEN_TEXT)
        if show == self.is_open:
            return
        self.picker.setVisible(show)
        self.openChanged.emit(show)

    @Slot()
    def search(self) -> None:
        """Ctrl+K: show the catalogue and put the cursor in its search box, text selected to retype."""
        self.set_open(True)
        self.picker.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.picker.search.selectAll()

    @Slot()
    def put_away(self) -> None:
        """Escape in the catalogue: hide it and carry on in the plan."""
        had_focus = self.picker.isAncestorOf(QApplication.focusWidget())
        self.set_open(False)
        if had_focus:
            self.back_to.setFocus(Qt.FocusReason.ShortcutFocusReason)

