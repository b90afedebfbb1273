"""The plan editor's layout: plan fields, items and the item form; the catalogue beside them while adding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from careplan.ui.catalogue_picker import CataloguePicker
from careplan.ui.form_fields import named
from careplan.ui.plan_fields import PlanFieldsPanel
from careplan.ui.plan_header import PlanHeader
from careplan.ui.plan_item_form import PlanItemForm
from careplan.ui.plan_items_model import PlanItemsModel
from careplan.ui.plan_panels import CatalogueToggle, ItemColumns
from careplan.ui.prompts_strip import PromptsStrip
from careplan.ui.revision_bar import RevisionBar

if TYPE_CHECKING:
    from careplan.ui.plan_editor import PlanEditor


def build_editor(self: PlanEditor) -> None:
    """Lay out the editor's parts and give them the names tests and the window reach for."""
    layout = QVBoxLayout(self)
    layout.setContentsMargins(0, 0, 0, 0)
    self.header = PlanHeader()
    layout.addWidget(self.header)
    self.revision_bar = RevisionBar()
    layout.addWidget(self.revision_bar)
    self.prompts_strip = PromptsStrip(self)  # what the course suggests; decided here (ui/prompts_strip.py)
    layout.addWidget(self.prompts_strip)
    # Short names for the parts tests and the window reach for.
    self.heading, self.details = self.header.heading, self.header.details
    self.revision_info, self.unsaved = self.header.revision_info, self.header.unsaved
    self.blocked, self.save_button = self.header.blocked, self.header.save_button
    self.edit_patient = self.header.edit_patient

    self.splitter = QSplitter(Qt.Orientation.Horizontal)
    self.splitter.setObjectName("planSplitter")
    self.picker = CataloguePicker()
    self.splitter.addWidget(self.picker)

    self.detail_splitter = QSplitter(Qt.Orientation.Vertical)
    self.detail_splitter.setObjectName("planDetailSplitter")
    top = QWidget()
    top_layout = QVBoxLayout(top)
    top_layout.setContentsMargins(0, 0, 0, 0)
    self.fields = PlanFieldsPanel()
    # Room beyond what both ask for is shared with the goals list until it shows four goals; the rest is the items'.
    top_layout.addWidget(self.fields, 1)
    items_label = QLabel("<b>Plan items</b>, grouped by discipline")
    items_row = QHBoxLayout()
    items_row.addWidget(items_label, 1)
    top_layout.addLayout(items_row)
    self.model = PlanItemsModel(self.doc, self)
    self.items = QTreeView()
    named(self.items, "planItems", "Plan items")
    self.items.setModel(self.model)
    self.items.setUniformRowHeights(True)
    self.items.setAllColumnsShowFocus(True)
    self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    self.items.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    self.items.setAcceptDrops(True)
    self.items.setDropIndicatorShown(True)
    self.items.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
    self.items.setDefaultDropAction(Qt.DropAction.CopyAction)
    # The catalogue opens beside the plan only while adding (button, Ctrl+K), so the plan keeps the width.
    self.catalogue_toggle = CatalogueToggle(self.picker, self.items, self)
    items_row.addWidget(self.catalogue_toggle.button)
    self.item_columns = ItemColumns(self.items, lambda: self.doc.content.items, self)
    self.doc.contentReset.connect(self.item_columns.fit)
    self.doc.changed.connect(self.item_columns.fit)
    items_label.setBuddy(self.items)
    top_layout.addWidget(self.items, 2)
    self.items_empty = QLabel("This plan has no items yet. Add treatments from the catalogue on the left "
                              "(Ctrl+K opens it): double-click one, press Enter on it, or drag it here.")
    self.items_empty.setObjectName("planItemsEmpty")
    self.items_empty.setWordWrap(True)
    top_layout.addWidget(self.items_empty)
    self.detail_splitter.addWidget(top)
    self.form = PlanItemForm()
    # Scrolls rather than forcing a tall window (150% scaling on a laptop screen).
    form_scroll = QScrollArea()
    form_scroll.setObjectName("planItemFormScroll")
    form_scroll.setWidgetResizable(True)
    form_scroll.setFrameShape(QFrame.Shape.NoFrame)
    form_scroll.setWidget(self.form)
    self.detail_splitter.addWidget(form_scroll)
    self.form_scroll = form_scroll
    # A bigger window gives the plan list more rows; the details keep the height they need.
    self.detail_splitter.setStretchFactor(0, 1)
    self.detail_splitter.setStretchFactor(1, 0)
    self.detail_splitter.setCollapsible(1, False)
    self.splitter.addWidget(self.detail_splitter)
    self.splitter.setStretchFactor(0, 0)
    self.splitter.setStretchFactor(1, 1)
    self.splitter.setCollapsible(1, False)
    layout.addWidget(self.splitter, 1)

    self.remove_action = QAction("&Remove item", self)
    self.remove_action.setObjectName("actionRemoveItem")
    self.remove_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
    # Only while the plan list has focus: Delete in a text box deletes text.
    self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    self.items.addAction(self.remove_action)

    chain = [self.picker.search, self.picker.tree, self.fields.status, self.fields.start.edit,
             self.fields.review.edit, self.fields.goals, self.fields.new_goal,
             self.catalogue_toggle.button, self.items,
             self.form.status, self.form.frequency, self.form.responsible, self.form.start.edit,
             self.form.goal, self.form.instructions, self.form.notes, self.form.remove,
             self.save_button]
    for a, b in zip(chain, chain[1:], strict=False):
        QWidget.setTabOrder(a, b)
