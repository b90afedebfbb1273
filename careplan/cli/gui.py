"""Opening the app from the command line, with a clear word when there is no screen."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

NO_DISPLAY = (
    "careplan: no display found: CarePlan is a desktop app and needs a graphical session "
    "(DISPLAY or WAYLAND_DISPLAY). To run it headless, set QT_QPA_PLATFORM=offscreen, "
    "e.g. `QT_QPA_PLATFORM=offscreen careplan --exit-after-startup`; the subcommands "
    "(`careplan --help`) work without a display."
)


# The shared libraries Qt's X11 plugin (xcb) loads from the system since Qt 6.5, with the Debian and
# Ubuntu package that ships each. A desktop often lacks one or two (libxcb-cursor0 most of all), and
# Qt then aborts with a message about "platform plugins" that does not say what to install.
X11_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def missing_x11_packages(libraries: dict[str, str] | None = None) -> list[str]:
    """The packages whose library the system's loader cannot find, in the table's order.

    Asks the loader itself (dlopen by soname), so the answer is the one Qt would get."""
    import ctypes

    missing = []
    for soname, package in (X11_LIBRARIES if libraries is None else libraries).items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(package)
    return missing


def uses_x11() -> bool:
    """Whether Qt will open its window through X11 (xcb) on this Linux or BSD desktop."""
    if not (sys.platform.startswith("linux") or "bsd" in sys.platform):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(";")[0].split(":")[0] == "xcb"
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def x11_refusal() -> str | None:
    """One sentence naming the packages to install, or None when the window can open."""
    if not uses_x11():
        return None
    missing = missing_x11_packages()
    if not missing:
        return None
    return (f"careplan: the window cannot open because this computer lacks system libraries that Qt needs for X11: "
            f"{', '.join(missing)}. On Debian or Ubuntu install them with `sudo apt install {' '.join(missing)}` "
            "(the subcommands, `careplan --help`, work without them).")


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


# What the main window needs from the layers below, imported before Qt. Importing PySide6 replaces
# Python's import function with one that reads the source file of every module imported after it
# (to look for `from __feature__ import ...`) and keeps those lines in memory: about 19 MB and 45 ms
# for SQLAlchemy and our own data layer. Everything here is imported before that happens.
DATA_LAYER = (
    "careplan.domain.catalogue", "careplan.domain.diff", "careplan.domain.disciplines", "careplan.domain.patient",
    "careplan.domain.plan", "careplan.domain.rebase", "careplan.domain.team", "careplan.domain.text",
    "careplan.domain.lifecycle", "careplan.domain.search_fold", "careplan.persistence.engine", "careplan.persistence.models", "careplan.services.audit",
    "careplan.services.catalogue", "careplan.services.changes", "careplan.services.clock", "careplan.services.patients",
    "careplan.services.plans", "careplan.services.lifecycle",
    "careplan.services.worklist",
    "careplan.services.course", "careplan.services.provenance",
    "careplan.services.rules", "careplan.services.prompt_store", "careplan.services.prompts",
    "careplan.domain.templates", "careplan.services.templates", "careplan.services.template_store",
    "careplan.services.access", "careplan.services.idle_lock",
)


def open_app(args: argparse.Namespace) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    refusal = x11_refusal()
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    for name in DATA_LAYER:
        importlib.import_module(name)
    from careplan.cli.db_presence import refuse_missing_database
    from careplan.domain.errors import CarePlanError
    from careplan.persistence.engine import open_database
    from careplan.persistence.errors import PasswordNeededError
    from careplan.services.catalogue import sync_shipped_catalogue_if_changed
    from careplan.services.patients import refresh_search_keys
    from careplan.services.rules import sync_shipped_rules_if_changed
    from careplan.services.template_store import sync_shipped_templates_if_changed

    try:  # the database is opened (and upgraded if need be) before any window exists
        refuse_missing_database(args)
        try:
            db = open_database(getattr(args, "db", None))
        except PasswordNeededError as needed:  # the server asks for a password: a small dialog asks the user
            from careplan.ui.sign_in import SignInCancelledError, sign_in

            try:
                db = sign_in(getattr(args, "db", None), needed)
            except SignInCancelledError as cancelled:
                print(f"careplan: {cancelled}", file=sys.stderr)
                return 2
        sync_shipped_catalogue_if_changed(db)
        sync_shipped_rules_if_changed(db)  # guideline rules name catalogue codes: after the catalogue
        sync_shipped_templates_if_changed(db)  # an upgrade's new starter plans; the clinic's edits are kept
        refresh_search_keys(db)  # after an upgrade that changed how names are folded for search
    except CarePlanError as e:
        from careplan.ui.app import show_startup_error

        show_startup_error(str(e))
        return 2
    from careplan.ui.app import run_app

    return run_app(db, exit_after_startup=args.exit_after_startup)
