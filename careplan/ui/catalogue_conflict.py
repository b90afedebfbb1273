"""What the catalogue window says when another coordinator saved the item being edited."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from careplan.domain.catalogue import CatalogueItem
from careplan.services.catalogue import CatalogueConflictError
from careplan.ui import dialog_kit
from careplan.ui.catalogue_form import LABELS
from careplan.ui.dialog_kit import local_time


def show_conflict(parent: QWidget, title: str, message: str) -> None:
    """Tests replace this to read the message."""
    dialog_kit.show_info(parent, title, message)


def tell_conflict(parent: QWidget, error: CatalogueConflictError, opened: CatalogueItem | None,
                  mine: dict[str, str]) -> str:
    """Show what happened and what to do; returns the short line for the window's status."""
    theirs = error.theirs
    who = error.who or "Someone else"
    when = f" at {local_time(error.when)}" if error.when else ""
    both = [LABELS.get(f, f) for f in mine if opened is not None and getattr(opened, f) != getattr(theirs, f)]
    overlap = f" You both changed: {', '.join(both)}; the form shows your words there." if both else ""
    kept = ("Your edits are kept, on top of their version." + overlap +
            " Check the item and save again, or choose Undo changes to see their version alone."
            if mine else "Their version is shown now.")
    show_conflict(parent, "Someone else changed this item",
                  f"{who} changed '{theirs.title}'{when}, while you had it open here. "
                  f"Nothing of yours was saved yet, and nothing is lost. {kept}")
    return f"Not saved: {who} changed this item{when}."
