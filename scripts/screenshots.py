"""Regenerate the README screenshots from demo data, offscreen: `make screenshots`.

Builds fictional demo patients in a temporary database and opens the real main window at
1280x720 (a clinic laptop) and 1920x1080, each time as on a first start (fresh settings). It
saves the home screen and the plan editor with a patient open (the demo patient with the most
plan items), the guideline prompts strip opened for the patient with the most open prompts, and at
1280x720 also with the catalogue open, into docs/screenshots/. Deterministic: a fixed demo seed and a pinned date
(CAREPLAN_TODAY), so a rerun changes a picture only when a screen changed. Nothing touches the
user's data or settings. --scale 1.5 checks how the screens read at 150% scaling.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SIZES = ((1280, 720), (1920, 1080))
PINNED_DAY = date(2026, 3, 2)  # the demo's "today": some reviews overdue, some due soon
SEED = 1
PNG_COLOURS = 256  # screens are flat colours and anti-aliased text: a palette keeps files small


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots", help="folder for the PNG files")
    parser.add_argument("--scale", type=float, default=1.0, help="Qt scale factor, e.g. 1.5")
    parser.add_argument("--patients", type=int, default=60, help="how many demo patients")
    parser.add_argument("--full-colour", action="store_true", help="keep 24-bit PNGs (bigger files)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="careplan-shots-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["CAREPLAN_DATA_DIR"] = str(work / "data")
    os.environ["CAREPLAN_TODAY"] = PINNED_DAY.isoformat()
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    try:
        saved = _shoot(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for p in saved:
        print(f"{p.relative_to(REPO) if p.is_relative_to(REPO) else p}  {p.stat().st_size // 1024} KB")
    return 0


def _shoot(args: argparse.Namespace, work: Path) -> list[Path]:
    from careplan.persistence.engine import open_database
    from careplan.services.demo import generate_demo
    from careplan.ui.app import make_application

    app = make_application()
    app.setCursorFlashTime(0)  # a text cursor that never blinks: the same picture on every run
    db = open_database(str(work / "demo.sqlite3"))
    generate_demo(db, patients=args.patients, seed=SEED, mean_revisions=4, today=PINNED_DAY)
    from careplan.services.rules import sync_shipped_rules_if_changed

    sync_shipped_rules_if_changed(db)  # as the app does at start-up
    patient_id = _busiest_patient(db)
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.scale == 1.0 else f"@{args.scale:g}x"
    saved: list[Path] = []
    try:
        for n, (width, height) in enumerate(SIZES):
            # Fresh settings each time: the layout a coordinator sees on the first start.
            os.environ["CAREPLAN_SETTINGS_DIR"] = str(work / f"settings{n}")
            shots = _window_shots(app, db, patient_id, width, height, _most_prompted(db))
            for name, image in shots.items():
                path = args.out / f"{name}-{width}x{height}{suffix}.png"
                _save(image, path, full_colour=args.full_colour)
                saved.append(path)
    finally:
        db.dispose()
    return saved


def _busiest_patient(db: Any) -> int:
    """The patient whose plan has the most items (then the longest name): the hardest screen to fit."""
    from careplan.services import patients as patient_service
    from careplan.services import plans as plan_service

    best: tuple[int, int, int] | None = None
    for p in patient_service.search_patients(db, "", limit=10_000):
        state = plan_service.load_plan(db, p.id)
        items = len(state.latest.content.items) if state.latest else 0
        key = (items, len(p.full_name), -p.id)
        if best is None or key > best:
            best = key
    assert best is not None, "the demo made no patients"
    return -best[2]


def _most_prompted(db: Any) -> int | None:
    """The active patient with the most open guideline prompts (the fullest strip)."""
    from careplan.services.prompts import open_prompt_counts

    counts = open_prompt_counts(db)
    return max(counts, key=lambda pid: (counts[pid], -pid)) if counts else None


def _window_shots(app: Any, db: Any, patient_id: int, width: int, height: int,
                  prompted: int | None) -> dict[str, Any]:
    from careplan.ui import operations
    from careplan.ui.identity import remember_name
    from careplan.ui.main_window import MainWindow
    from careplan.ui.settings import make_settings

    settings = make_settings()
    remember_name(settings, "Sam Coordinator")
    window = MainWindow(db, settings, offer_recovery=False)
    window.resize(width, height)
    window.fit_layout()  # what a first start does for a window of this size
    window.show()

    def settle() -> None:
        # Reads run on the worker thread: let them arrive (and the layout follow) before grabbing.
        for _ in range(3):
            while not operations.idle() or window.patients.busy:
                app.processEvents()
            app.processEvents()

    shots: dict[str, Any] = {}
    settle()
    shots["home"] = window.grab().toImage()
    window.open_patient(patient_id)
    settle()
    editor = window.editor
    items = editor.doc.content.sorted_items()
    if len(items) > 1:
        editor._select(items[1].key)  # a typical item, not the first row
    settle()
    shots["plan"] = window.grab().toImage()
    if prompted is not None:
        # The prompts strip opened (as Show does), with the first prompt's Why? open.
        window.open_patient(prompted)
        settle()
        strip = editor.prompts_strip
        strip.toggle.setChecked(True)
        if strip.cards:
            strip.cards[0].why.setChecked(True)
        settle()
        shots["prompts"] = window.grab().toImage()
        window.open_patient(patient_id)
        settle()
    if width == SIZES[0][0]:
        # The catalogue opened with Ctrl+K, a search typed: on a laptop, beside the plan.
        editor.catalogue_toggle.search()
        editor.picker.search.setText("walk")
        settle()
        shots["catalogue"] = window.grab().toImage()
    window._closing = True
    window.close()
    window.deleteLater()
    settle()
    return shots


def _save(image: Any, path: Path, *, full_colour: bool) -> None:
    """PNG with a 256-colour palette (about a third of the size), via Pillow, which ships with ReportLab."""
    from PySide6.QtCore import QBuffer, QIODevice

    if full_colour:
        image.save(str(path))
        return
    import io

    from PIL import Image

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    picture = Image.open(io.BytesIO(bytes(buffer.data().data()))).convert("RGB")
    picture.quantize(colors=PNG_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True)


if __name__ == "__main__":
    raise SystemExit(main())
