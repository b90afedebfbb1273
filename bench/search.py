"""Search as you type: the patient list over the big database, and the catalogue picker.

A keystroke counts from the key press until the list has re-queried and repainted.
"""

from __future__ import annotations

import sqlite3
import statistics
from pathlib import Path

from bench import gui
from bench.core import Figure, Goal, figure, timed

PATIENT_GOAL = Goal(max_value=30, text="under 30 ms a keystroke")
CATALOGUE_GOAL = Goal(max_value=10, text="under 10 ms a keystroke")
CATALOGUE_SIZE = 2000


def _typed_name(path: Path) -> str:
    """A longish surname from the middle of the list: typing it narrows the list step by step."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        total = con.execute("SELECT count(*) FROM patients").fetchone()[0]
        names = [r[0] for r in con.execute("SELECT full_name FROM patients ORDER BY id LIMIT 50 OFFSET ?",
                                           (total // 2,))]
    finally:
        con.close()
    # Typed on the test's keyboard: Qt's key simulation knows only ASCII keys (it aborts the process
    # on any other), and the demo names come from many languages.
    surnames = [s for s in (n.split()[-1].casefold() for n in names) if s.isascii() and s.isalpha()] or ["smith"]
    return next((s for s in surnames if len(s) >= 6), max(surnames, key=len))


def bare_query(path: Path, text: str, runs: int) -> list[float]:
    """The same search as a bare SQLite query on the name index: one page of patients whose name
    or MRN contains each prefix typed."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sql = ("SELECT id, mrn, full_name FROM patients WHERE search_name LIKE ?1 OR lower(mrn) LIKE ?1 "
           "ORDER BY search_name, id LIMIT 100")
    out = []
    try:
        con.execute(sql, ("%a%",)).fetchall()
        for _ in range(runs):
            for n in range(1, len(text) + 1):
                like = f"%{text[:n]}%"
                out.append(timed(lambda like=like: con.execute(sql, (like,)).fetchall()) * 1000)
    finally:
        con.close()
    return out


def patient_search(db, path: Path, runs: int) -> Figure:
    text = _typed_name(path)
    title = f"search keystroke, {_count(path):,} patients"
    baseline = bare_query(path, text, runs)
    try:
        from careplan.ui.patient_list import PatientListPanel
    except ImportError as e:
        return _patient_search_services(db, text, runs, baseline, title, f"patient list not available ({e})")
    gui.application()
    panel = PatientListPanel(db)
    # Timed per keystroke as if the user paused after each one: the query and the repaint, not the wait.
    panel._debounce.setInterval(0)
    gui.show(panel, 500, 800)
    gui.type_keys(panel.search, text[:2])  # warm: statement cache, first pages in memory
    gui.clear(panel.search)
    rounds = []
    for _ in range(runs):
        rounds.append([t * 1000 for t in gui.type_keys(panel.search, text)])
        matches = panel.model.total
        gui.clear(panel.search)
    panel.close()
    panel.deleteLater()
    gui.settle()
    return _keystrokes("search_keystroke", title, PATIENT_GOAL, text, rounds, baseline,
                       {"matches_at_end": matches})


def _patient_search_services(db, text: str, runs: int, baseline: list[float], title: str, why: str) -> Figure:
    from careplan.services.patients import count_patients, search_patients

    def keystroke(prefix: str) -> None:
        count_patients(db, prefix)
        search_patients(db, prefix, limit=100)

    samples = [timed(lambda n=n: keystroke(text[:n])) * 1000 for _ in range(runs) for n in range(1, len(text) + 1)]
    return figure("search_keystroke", title, "ms", PATIENT_GOAL, samples, baseline, via="services",
                  note=f"GUI not measured yet: {why}; timed search_patients + count_patients instead")


def _count(path: Path) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT count(*) FROM patients").fetchone()[0])
    finally:
        con.close()


# --- catalogue --------------------------------------------------------------------------------

def big_catalogue(size: int) -> list:  # list[CatalogueItem]
    """The shipped items plus generated custom ones, as a clinic's own catalogue grows."""
    from dataclasses import replace

    from careplan.services.catalogue import shipped_catalogue

    shipped = list(shipped_catalogue())
    out = list(shipped)
    n = 0
    while len(out) < size:
        base = shipped[n % len(shipped)]
        out.append(replace(base, code=f"custom-{n:05d}", title=f"{base.title}, clinic variant {n + 1}",
                           source="Benchmark clinic", custom=True))
        n += 1
    return out


def catalogue_search(runs: int, size: int = CATALOGUE_SIZE, word: str = "breathing") -> Figure:
    title = f"catalogue search keystroke, {size:,} items"
    items = big_catalogue(size)
    try:
        from careplan.ui.catalogue_picker import CataloguePicker
    except ImportError as e:
        return Figure(name="catalogue_search", title=title, value=None, unit="ms", goal=CATALOGUE_GOAL.text,
                      note=f"catalogue picker not available ({e})")
    gui.application()
    picker = CataloguePicker()
    picker.load(items)
    gui.show(picker, 400, 800)
    gui.type_keys(picker.search, word[:2])
    gui.clear(picker.search)
    rounds = []
    for _ in range(runs):
        rounds.append([t * 1000 for t in gui.type_keys(picker.search, word)])
        shown = picker.proxy.rowCount()
        gui.clear(picker.search)
    picker.close()
    picker.deleteLater()
    gui.settle()
    return _keystrokes("catalogue_search", title, CATALOGUE_GOAL, word, rounds, None,
                       {"groups_shown_at_end": shown})


def _keystrokes(name: str, title: str, goal: Goal, typed: str, rounds: list[list[float]],
                baseline: list[float] | None, extra: dict) -> Figure:
    """Median over every keystroke; the slowest key is named too, since a median can hide it."""
    samples = [t for r in rounds for t in r]
    by_key = {typed[: n + 1]: round(statistics.median(r[n] for r in rounds), 2) for n in range(len(typed))}
    slowest = max(by_key, key=by_key.__getitem__)
    f = figure(name, title, "ms", goal, samples, baseline, via="GUI",
               details={"typed": typed, "median_ms_by_text": by_key, **extra})
    f.note = f"slowest keystroke: \u201c{slowest}\u201d at {by_key[slowest]:.1f} ms (median over runs)"
    return f
