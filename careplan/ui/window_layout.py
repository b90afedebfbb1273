"""How the main window shares out its room on a first start (later starts restore the user's own).

The patient list gets the width its columns need, up to a share of the window; the plan gets the
rest (the catalogue beside it is put away until wanted). Down the plan, the selected item's details
get the height a typical item needs without scrolling, and the plan's list of items the rest.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMenuBar, QSplitter, QStatusBar

from careplan.ui.patient_list import PatientListPanel
from careplan.ui.plan_editor import PlanEditor

LIST_SHARE = 0.4  # the patient list never takes more than this of the window's width
DETAILS_SHARE = 0.4  # on a tall screen the details may grow to this share of the plan's height


class LaidOut(Protocol):
    splitter: QSplitter
    patients: PatientListPanel
    editor: PlanEditor

    def width(self) -> int: ...
    def height(self) -> int: ...
    def menuBar(self) -> QMenuBar: ...  # noqa: N802 (Qt method name)
    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt method name)


def fit_main_window(w: LaidOut, keep: Collection[str] = ()) -> None:
    """Size the splitters for the window's size; those named in `keep` (restored ones) stay as they are."""
    width = w.width()
    if "main" in keep:
        list_width = w.splitter.sizes()[0] if not w.patients.isHidden() else 0
    else:
        list_width = min(w.patients.preferred_width(), int(width * LIST_SHARE))
        w.splitter.setSizes([list_width, width - list_width])
    plan_width = width - list_width
    if "plan" not in keep:
        picker = w.editor.picker.preferred_width()
        w.editor.splitter.setSizes([picker, plan_width - picker])
    if "detail" not in keep:
        # The plan's height below its header (before the first show nothing has a size yet to ask).
        bars = w.menuBar().sizeHint().height() + w.statusBar().sizeHint().height()
        fit_details(w.editor, plan_width, w.height() - bars - w.editor.header.sizeHint().height())


def fit_details(editor: PlanEditor, plan_width: int, plan_height: int) -> None:
    """Give the item details the height a typical item needs at this width (no scroll bar)."""
    page = editor.form.widget(1)
    need = page.heightForWidth(plan_width) if page.hasHeightForWidth() else -1
    need = max(need, page.minimumSizeHint().height()) + 2 * editor.form_scroll.frameWidth() + 8
    if editor.form.clinical.isHidden():  # shown for this item's description (one elided line) or not
        need += editor.form.clinical.sizeHint().height() + page.layout().spacing()
    details = max(need, int(plan_height * DETAILS_SHARE))
    editor.detail_splitter.setSizes([max(plan_height - details, 1), details])


class CatalogueRoom(QObject):
    """Opening the catalogue beside a plan in a narrow window borrows width from the patient list.

    At 1280x720 the catalogue and the plan's columns do not both fit beside a full patient list:
    while the catalogue is open the list gives up what the plan needs (down to its minimum), and
    gets it back when the catalogue is put away.
    """

    def __init__(self, window: LaidOut, parent: QObject):
        super().__init__(parent)
        self.window = window
        self._borrowed = 0
        window.editor.catalogue_toggle.openChanged.connect(self._catalogue_opened)

    @Slot(bool)
    def _catalogue_opened(self, opened: bool) -> None:
        w = self.window
        list_width, rest = w.splitter.sizes()
        if not opened:
            if self._borrowed and not w.patients.isHidden():
                give_back = min(self._borrowed, rest - plan_width_needed(w.editor))
                w.splitter.setSizes([list_width + give_back, rest - give_back])
            self._borrowed = 0
            return
        if w.patients.isHidden():
            return
        short = plan_width_needed(w.editor) + w.editor.picker.preferred_width() - rest
        take = min(short, list_width - w.patients.minimumWidth())
        if take > 0:
            w.splitter.setSizes([list_width - take, rest + take])
            self._borrowed = take


def plan_width_needed(editor: PlanEditor) -> int:
    """Width the plan's list needs to show every column, item names included (about 30 letters)."""
    view = editor.items
    header = view.header()
    fixed = sum(header.sectionSize(c) for c in range(1, header.count()))
    name = view.fontMetrics().horizontalAdvance("M") * 18 + view.indentation() * 2
    return fixed + name + view.verticalScrollBar().sizeHint().width() + 2 * view.frameWidth() + 16
