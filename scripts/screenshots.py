"""Regenerate the README screenshots from demo data, offscreen: `make screenshots`.

Builds fictional demo patients in a temporary database, opens the real main window, picks a
patient and saves widget grabs into docs/screenshots/. Nothing touches the user's data or
settings. Use --scale 1.5 to check how the screens read at 150% scaling.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots", help="folder for the PNG files")
    parser.add_argument("--scale", type=float, default=1.0, help="Qt scale factor, e.g. 1.5")
    parser.add_argument("--patients", type=int, default=60, help="how many demo patients")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="careplan-shots-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["CAREPLAN_DATA_DIR"] = str(work / "data")
    os.environ["CAREPLAN_SETTINGS_DIR"] = str(work / "settings")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)

    from careplan.persistence.engine import open_database
    from careplan.services.demo import generate_demo
    from careplan.ui.app import make_application

    app = make_application()
    from PySide6.QtCore import Qt

    from careplan.ui.identity import remember_name
    from careplan.ui.main_window import MainWindow
    from careplan.ui.settings import make_settings

    db = open_database(str(work / "demo.sqlite3"))
    generate_demo(db, patients=args.patients, seed=1, mean_revisions=4)
    settings = make_settings()
    remember_name(settings, "Sam Coordinator")
    window = MainWindow(db, settings, offer_recovery=False)
    window.resize(1440, 900)
    window.splitter.setSizes([window.patients.preferred_width(), 1440 - window.patients.preferred_width()])
    window.show()

    def settle() -> None:
        # Reads run on the worker thread: let them arrive before grabbing.
        from careplan.ui import operations

        while not operations.idle() or window.patients.busy:
            app.processEvents()
        app.processEvents()

    settle()

    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.scale == 1.0 else f"@{args.scale:g}x"
    panel = window.patients
    panel.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # who is due for review comes first
    settle()
    saved = []
    path = args.out / f"patient-list{suffix}.png"
    window.grab().save(str(path))
    saved.append(path)

    # The plan editor: a patient with a full plan, one item selected.
    summaries = [panel.model.summary(r) for r in range(panel.model.rowCount())]
    chosen = max(summaries, key=lambda s: s.revisions)
    window.open_patient(chosen.id)
    settle()
    editor = window.editor
    items = editor.doc.content.sorted_items()
    if items:
        editor._select(items[min(1, len(items) - 1)].key)
    editor.picker.search.setText("")
    settle()
    path = args.out / f"plan-editor{suffix}.png"
    window.grab().save(str(path))
    saved.append(path)

    window._closing = True
    window.close()
    db.dispose()
    for p in saved:
        print(p.relative_to(REPO) if p.is_relative_to(REPO) else p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
