"""Reading history: opening a long plan history, and comparing two large revisions."""

from __future__ import annotations

from dataclasses import replace

from bench import gui
from bench.core import Figure, Goal, figure, timed
from bench.database import bench_patient, plan_content, plan_items, touch_item

HISTORY_GOAL = Goal(max_value=100, text="under 100 ms")
COMPARE_GOAL = Goal(max_value=20, text="under 20 ms")


def long_history(db, revisions: int, n_items: int = 12) -> int:
    """A patient whose plan was saved `revisions` times, through save_revision."""
    from careplan.services.plans import save_revision

    p = bench_patient(db, f"BENCH-HISTORY-{revisions}")
    content = plan_content(n_items)
    for number in range(1, revisions + 1):
        if number > 1:
            content = touch_item(content, number)
        save_revision(db, p.id, base_revision=number - 1, content=content, author="Bench Nurse",
                      reason="" if number == 1 else f"Review {number}")
    return p.id


def two_large_revisions(db, n_items: int = 60) -> int:
    """Revision 1 and 2 of a 60-item plan: 6 items changed, 3 added, 3 removed."""
    from careplan.services.plans import save_revision

    p = bench_patient(db, f"BENCH-COMPARE-{n_items}")
    first = plan_content(n_items + 3)
    items = list(first.items[:n_items])
    for k in range(5, n_items, n_items // 6):
        items[k] = replace(items[k], frequency="Twice a day", status=items[k].status.__class__("on_hold"),
                           notes="Paused while the chest infection clears")
    fresh = plan_items(n_items + 6, first.start_date)[n_items + 3:]
    second = replace(first, items=tuple(items[3:] + list(fresh)))
    save_revision(db, p.id, base_revision=0, content=replace(first, items=first.items[:n_items]),
                  author="Bench Nurse", reason="")
    save_revision(db, p.id, base_revision=1, content=second, author="Bench Nurse", reason="Monthly review")
    return p.id


def measure(db, runs: int, history_revisions: int = 200) -> list[Figure]:
    history_pid = long_history(db, history_revisions)
    compare_pid = two_large_revisions(db)
    try:
        from careplan.ui.history_window import HistoryWindow
    except ImportError as e:
        return _services(db, runs, history_pid, compare_pid, history_revisions, f"history window not available ({e})")
    gui.application()

    def open_history():  # -> HistoryWindow
        win = HistoryWindow(db, history_pid, "Bench Nurse")
        gui.show(win, 1100, 760)
        return win

    def close(win) -> None:
        win.close()
        win.deleteLater()
        gui.settle()

    close(open_history())  # warm
    opened = []
    for _ in range(runs):
        box: list[object] = []
        opened.append(gui.timed_settled(lambda box=box: box.append(open_history())) * 1000)
        close(box[0])

    win = HistoryWindow(db, compare_pid, "Bench Nurse")
    gui.show(win, 1100, 760)
    win.compare(1, 2)
    gui.settle()
    compared = [gui.timed_settled(lambda: win.compare(1, 2)) * 1000 for _ in range(max(runs, 3))]
    heading = win.compare_heading.text()
    close(win)
    return [
        figure("history_open", f"open a {history_revisions}-revision history", "ms", HISTORY_GOAL, opened, via="GUI",
               note="window built, history listed, newest revision shown and painted"),
        figure("compare_revisions", "compare two 60-item revisions", "ms", COMPARE_GOAL, compared, via="GUI",
               details={"shown": heading}),
    ]


def _services(db, runs: int, history_pid: int, compare_pid: int, n: int, why: str) -> list[Figure]:
    from careplan.services import plans

    opened = [timed(lambda: plans.history(db, history_pid)) * 1000 for _ in range(runs)]
    compared = [timed(lambda: plans.compare(db, compare_pid, 1, 2)) * 1000 for _ in range(max(runs, 3))]
    note = f"GUI not measured yet: {why}; timed the service alone"
    return [figure("history_open", f"open a {n}-revision history", "ms", HISTORY_GOAL, opened, via="services", note=note),
            figure("compare_revisions", "compare two 60-item revisions", "ms", COMPARE_GOAL, compared, via="services",
                   note=note)]
