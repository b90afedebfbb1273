"""Opening the Assessments panel of a patient with 40 assessments, charts and table painted.

The baseline is the same dialog built bare: a table of 40 x 17 plain cells and four empty
widgets of the same size, with no database and no computation, so the ratio says what reading
the course, computing its stages and drawing the charts add.
"""

from __future__ import annotations

from datetime import date, timedelta

from bench import gui
from bench.core import Figure, Goal, figure
from bench.database import bench_patient

COURSE_GOAL = Goal(max_value=100, text="under 100 ms")
ASSESSMENTS = 40


def long_course(db, n: int = ASSESSMENTS) -> int:
    """A patient assessed every 2 months for n visits, declining a point or two each time."""
    from dataclasses import replace

    from careplan.domain.course import Alsfrs, Assessment, Item5Form
    from careplan.services.course import add_assessment
    from careplan.services.patients import update_patient

    p = bench_patient(db, f"BENCH-COURSE-{n}")
    start = date.today() - timedelta(days=61 * n)
    p = update_patient(db, replace(p, onset_date=start - timedelta(days=300), usual_weight_kg=72.0,
                                   height_cm=174.0), actor="Bench Nurse")
    items = [4] * 12
    for k in range(n):
        items[(k * 5) % 12] = max(0, items[(k * 5) % 12] - 1)
        add_assessment(db, p.id, Assessment(
            start + timedelta(days=61 * k), "Bench Nurse", alsfrs=Alsfrs(tuple(items), Item5Form.WITHOUT_GASTROSTOMY),
            fvc_pct=max(20.0, 98.0 - 1.7 * k), weight_kg=72.0 - 0.3 * k))
    return p.id


def _bare_dialog():  # -> QDialog
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QDialog, QGridLayout, QTableView, QWidget

    d = QDialog()
    layout = QGridLayout(d)
    model = QStandardItemModel(ASSESSMENTS, 17, d)
    for r in range(ASSESSMENTS):
        for c in range(17):
            model.setItem(r, c, QStandardItem(str(r + c)))
    table = QTableView()
    table.setModel(model)
    layout.addWidget(table, 0, 0, 1, 2)
    for k in range(4):
        layout.addWidget(QWidget(), 1 + k // 2, k % 2)
    return d


def measure(db, runs: int) -> list[Figure]:
    pid = long_course(db)
    gui.application()
    from careplan.ui.assessments_window import AssessmentsWindow

    def close(win) -> None:
        win.close()
        win.deleteLater()
        gui.settle()

    def timed_open(make) -> float:
        box: list[object] = []
        ms = gui.timed_settled(lambda: (box.append(make()), gui.show(box[0], 1280, 720))) * 1000
        close(box[0])
        return ms

    def course_window():
        return AssessmentsWindow(db, pid, "Bench Nurse")

    timed_open(course_window)  # warm
    timed_open(_bare_dialog)
    opened = [timed_open(course_window) for _ in range(runs)]
    bare = [timed_open(_bare_dialog) for _ in range(runs)]
    return [figure("course_open", f"open the Assessments panel with {ASSESSMENTS} assessments", "ms", COURSE_GOAL,
                   opened, baseline=bare, via="GUI",
                   note="course read and computed on the worker, table filled, four charts painted; baseline: "
                        "the same dialog with a plain 40-row table and empty chart areas")]
