"""Opening the app from the command line, with a clear word when there is no screen."""

from __future__ import annotations

import argparse
import os
import sys

NO_DISPLAY = (
    "careplan: no display found: CarePlan is a desktop app and needs a graphical session "
    "(DISPLAY or WAYLAND_DISPLAY). To run it headless, set QT_QPA_PLATFORM=offscreen, "
    "e.g. `QT_QPA_PLATFORM=offscreen careplan --exit-after-startup`; the subcommands "
    "(`careplan --help`) work without a display."
)


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def open_app(args: argparse.Namespace) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    from careplan.ui.app import run_app

    return run_app(db_arg=getattr(args, "db", None), exit_after_startup=args.exit_after_startup)
