"""Saving a revision with the big database's history, against the same save with about 100 revisions."""

from __future__ import annotations

from pathlib import Path

from bench.core import Figure, Goal, figure, timed
from bench.database import patient_with_plan, touch_item

GOAL = Goal(max_value=50, max_ratio=1.2, text="ratio at most 1.2, under 50 ms")
SAVES_PER_RUN = 5


class _Saver:
    """A 40-item plan in one database, saved again with one small change each time."""

    def __init__(self, db, mrn: str):
        self.db = db
        self.patient, self.content = patient_with_plan(db, mrn, 40)
        self.number = 1

    def save(self) -> float:
        from careplan.services.plans import save_revision

        self.content = touch_item(self.content, self.number)
        pid, base, content = self.patient.id, self.number, self.content
        seconds = timed(lambda: save_revision(self.db, pid, base_revision=base, content=content,
                                              author="Bench Nurse", reason="Weekly review"))
        self.number += 1
        return seconds


def small_database(folder: Path, revisions: int = 100):
    """A fresh database with about `revisions` demo revisions, made through the demo service."""
    from careplan.persistence.engine import open_database
    from careplan.services.demo import generate_demo

    db = open_database(str(folder / "small.sqlite3"))
    generate_demo(db, patients=max(1, revisions // 10), seed=7, actor="bench")
    return db


def count_revisions(db) -> int:
    from sqlalchemy import func, select

    from careplan.persistence.models import PlanRevisionRow

    with db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(PlanRevisionRow)) or 0)


def measure(big_db, folder: Path, runs: int) -> list[Figure]:
    small_db = small_database(folder)
    small_n, big_n = count_revisions(small_db), count_revisions(big_db)
    small, big = _Saver(small_db, "BENCH-SAVE-SMALL"), _Saver(big_db, "BENCH-SAVE-BIG")
    small.save(), big.save()  # warm: statement caches, the first page reads
    small_t, big_t = [], []
    for _ in range(runs * SAVES_PER_RUN):
        small_t.append(small.save() * 1000)
        big_t.append(big.save() * 1000)
    small_db.dispose()
    return [figure("save_revision", f"save a revision ({big_n:,} revisions vs {small_n})", "ms", GOAL,
                   big_t, small_t, via="services", details={"revisions_big": big_n, "revisions_small": small_n})]
