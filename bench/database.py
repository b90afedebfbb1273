"""The demo database (built once per size and seed, then reused) and the patients benches add.

Every run works on a fresh copy of the cached database, so what one run saves never changes
what the next one measures.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from bench.core import REPO_ROOT


@dataclass(frozen=True)
class DemoBuild:
    path: Path
    seconds: float
    built_at: str
    fresh: bool  # built in this run, not taken from the cache
    revisions: int
    patients: int


def child_env(data_dir: Path) -> dict[str, str]:
    """Environment for every child: offscreen Qt, and nothing written to the user's own folders."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["CAREPLAN_DATA_DIR"] = str(data_dir)
    env["XDG_CONFIG_HOME"] = str(data_dir / "config")
    env["CAREPLAN_SETTINGS_DIR"] = str(data_dir / "settings")
    env.pop("CAREPLAN_DB_URL", None)
    return env


def _counts(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        patients = con.execute("SELECT count(*) FROM patients").fetchone()[0]
        revisions = con.execute("SELECT count(*) FROM plan_revisions").fetchone()[0]
    finally:
        con.close()
    return patients, revisions


def _fingerprint() -> str:
    """What the demo data depends on: a new catalogue, generator or schema builds a new database."""
    import hashlib

    files = [REPO_ROOT / "careplan" / "services" / f for f in ("demo.py", "demo_names.py")]
    files += [REPO_ROOT / "resources" / "catalogue.yaml"]
    files += sorted((REPO_ROOT / "db" / "migrations" / "versions").glob("*.py"))
    digest = hashlib.sha256()
    for f in files:
        if f.exists():
            digest.update(f.name.encode() + f.read_bytes())
    return digest.hexdigest()[:10]


def demo_database(cache: Path, patients: int, seed: int, data_dir: Path, *, rebuild: bool = False) -> DemoBuild:
    """The cached demo database for this size and seed, building it with `careplan demo` if needed."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"demo-{patients}-seed{seed}-{_fingerprint()}.sqlite3"
    meta = path.with_suffix(".json")
    if rebuild or not (path.exists() and meta.exists()):
        for p in (path, meta, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "careplan", "demo", "--patients", str(patients), "--seed", str(seed),
               "--create", "--db", str(path)]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=REPO_ROOT, env=child_env(data_dir), capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            path.unlink(missing_ok=True)
            raise RuntimeError(f"`careplan demo` failed ({done.returncode}): {done.stderr.strip()}")
        built_at = datetime.now(UTC).isoformat(timespec="seconds")
        meta.write_text(json.dumps({"seconds": seconds, "built_at": built_at, "command": cmd[1:]}), encoding="utf-8")
        fresh = True
    else:
        saved = json.loads(meta.read_text(encoding="utf-8"))
        seconds, built_at, fresh = saved["seconds"], saved["built_at"], False
    n_patients, n_revisions = _counts(path)
    return DemoBuild(path, seconds, built_at, fresh, n_revisions, n_patients)


def working_copy(src: Path, folder: Path) -> Path:
    """A private copy of the cached database for this run to write to."""
    wal = Path(f"{src}-wal")
    if wal.exists() and wal.stat().st_size:
        # Committed pages still in the write-ahead log would be missing from a copy of the file.
        con = sqlite3.connect(src)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / src.name
    for stale in (Path(f"{dest}-wal"), Path(f"{dest}-shm")):
        stale.unlink(missing_ok=True)  # an old log beside a new copy would corrupt it
    shutil.copyfile(src, dest)
    return dest


# --- patients the benches add, through the services -----------------------------------------

def catalogue_items() -> list:  # list[CatalogueItem]
    from careplan.services.catalogue import shipped_catalogue

    return [c for c in shipped_catalogue() if c.active]


def plan_items(n: int, day: date, tag: str = "") -> tuple:
    """n plan items from the shipped catalogue, repeating it (with distinct uids) past its size."""
    from careplan.domain.plan import ItemStatus, PlanItem

    shipped = catalogue_items()
    cat = shipped[::2] + shipped[1::2]  # every other item first: a plan spans every discipline
    out = []
    for i in range(n):
        c = cat[i % len(cat)]
        rnd = i // len(cat)
        out.append(PlanItem(
            catalogue_code=c.code, discipline=c.discipline, title=c.title if not rnd else f"{c.title} ({rnd + 1})",
            caregiver_instructions=c.caregiver_instructions, clinical_description=c.clinical_description,
            frequency=c.frequency, responsible=c.role.label, goal="Stay safe and comfortable at home",
            notes=f"Bench note {tag}{i}", start_date=day, status=ItemStatus.ACTIVE,
            uid=c.code if not rnd else f"{c.code}~{rnd}",
        ))
    return tuple(out)


def plan_content(n: int, day: date = date(2025, 3, 3)):  # -> PlanContent
    from careplan.domain.plan import REVIEW_INTERVAL, Goal, PlanContent, PlanStatus

    return PlanContent(status=PlanStatus.ACTIVE, start_date=day, next_review=day + REVIEW_INTERVAL,
                       goals=(Goal("Keep eating safely and enjoying meals"), Goal("Sleep well at night")),
                       items=plan_items(n, day))


def bench_patient(db, mrn: str, name: str = "Benchmark Patient"):  # -> Patient
    from careplan.domain.patient import Caregiver, Patient, TeamMember
    from careplan.domain.team import Role
    from careplan.services.patients import create_patient

    return create_patient(db, Patient(
        mrn=mrn, full_name=name, date_of_birth=date(1958, 6, 14), preferred_language="English",
        caregivers=[Caregiver("Morgan Example", "Spouse", "+44 7700 900123")],
        care_team=[TeamMember("Dr Ada Demo", Role.NEUROLOGIST, "020 7946 0000"),
                   TeamMember("Sam Sample", Role.SPECIALIST_NURSE, "020 7946 0001")],
    ), actor="bench")


def touch_item(content, k: int):  # -> PlanContent
    """The same plan with one item's frequency changed: the smallest real edit."""
    items = list(content.items)
    i = k % len(items)
    items[i] = replace(items[i], frequency=f"Every {k % 7 + 1} days", notes=f"Changed at save {k}")
    return replace(content, items=tuple(items))


def patient_with_plan(db, mrn: str, n_items: int, revisions: int = 1, name: str = "Benchmark Patient"):
    """A new patient whose plan has `revisions` saved revisions of about n_items items each."""
    from careplan.services.plans import save_revision

    p = bench_patient(db, mrn, name)
    content = plan_content(n_items)
    for number in range(1, revisions + 1):
        if number > 1:
            content = touch_item(content, number)
        save_revision(db, p.id, base_revision=number - 1, content=content, author="Bench Nurse",
                      reason="" if number == 1 else f"Review {number}")
    return p, content


def demo_goal(patients: int):  # -> Goal
    from bench.core import Goal

    limit = max(5.0, 60.0 * patients / 10_000)
    return Goal(max_value=limit, text="under 60 s" if patients == 10_000 else f"under {limit:.0f} s (60 s per 10,000)")
