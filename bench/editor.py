"""The plan editor: opening a 40-item plan, and adding an item from the catalogue picker.

Opening alternates between two 40-item patients, so every open is a real switch of patient.
An add is timed from the picker's "add this" (what a double-click or Enter sends) until the
new row is selected and painted; it is undone, untimed, before the next.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench import gui
from bench.core import Figure, Goal, figure, timed
from bench.database import patient_with_plan

OPEN_GOAL = Goal(max_value=100, text="under 100 ms")
ADD_GOAL = Goal(max_value=16, text="under 16 ms (one frame)")
ADDS_PER_RUN = 5


def measure(db, runs: int) -> list[Figure]:
    first, content = patient_with_plan(db, "BENCH-EDITOR-A", 40, name="Editor Benchmark")
    second, _ = patient_with_plan(db, "BENCH-EDITOR-B", 40, name="Editor Benchmark Two")
    try:
        from careplan.ui import operations
        from careplan.ui.plan_editor import PlanEditor
    except ImportError as e:
        return _services(db, first.id, runs, f"plan editor not available ({e})")
    from PySide6.QtCore import QSettings

    gui.application()
    folder = Path(os.environ.get("CAREPLAN_SETTINGS_DIR") or os.environ["CAREPLAN_DATA_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(folder / "bench-editor.ini"), QSettings.Format.IniFormat)
    editor = PlanEditor(db, settings)
    gui.show(editor, 1400, 900)
    try:
        patients = (first.id, second.id)
        for pid in patients:  # warm: first layout of every widget
            editor.open_patient(pid, recover=False)
            gui.settle()
        opened = []
        for k in range(max(runs, 3) * 2):
            pid = patients[k % 2]
            opened.append(gui.timed_settled(lambda pid=pid: editor.open_patient(pid, recover=False)) * 1000)
        shown = editor.model.rowCount()  # discipline groups on screen

        in_plan = {i.key for i in content.items}
        free = [code for code in editor.catalogue if code not in in_plan][:ADDS_PER_RUN]
        editor.open_patient(first.id, recover=False)
        gui.settle()
        added = []
        for _ in range(runs + 1):  # the first round warms the add path and is not kept
            times = []
            for code in free:
                times.append(gui.timed_settled(lambda code=code: editor.picker.itemChosen.emit(code)) * 1000)
            ok = len(editor.doc.content.items) == len(content.items) + len(free)
            for _code in free:
                editor.undo.undo()
            editor.saver.autosave.stop()
            gui.settle()
            added.extend(times)
        added = added[len(free):]
    finally:
        editor.saver.autosave.stop()
        operations.runner().wait()
        editor.close()
        editor.deleteLater()
        gui.settle()
    return [
        figure("open_plan_editor", "open a 40-item plan in the editor", "ms", OPEN_GOAL, opened, via="GUI",
               details={"groups_shown": shown}),
        figure("picker_add_item", "add an item from the picker", "ms", ADD_GOAL, added, via="GUI",
               details={"all_added": ok, "codes": free}),
    ]


def _services(db, patient_id: int, runs: int, why: str) -> list[Figure]:
    from careplan.services.plans import load_plan

    load_plan(db, patient_id)
    opened = [timed(lambda: load_plan(db, patient_id)) * 1000 for _ in range(max(runs, 3))]
    note = f"GUI not measured yet: {why}"
    return [
        figure("open_plan_editor", "open a 40-item plan in the editor", "ms", OPEN_GOAL, opened, via="services",
               note=note + "; timed load_plan alone"),
        Figure(name="picker_add_item", title="add an item from the picker", value=None, unit="ms",
               goal=ADD_GOAL.text, note=note),
    ]
