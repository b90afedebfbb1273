"""python -m bench [--quick] [--patients N] [--runs R] [--only NAME...]"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.core import BENCH_DIR, Figure, describe_machine, table, write_json

_T0 = time.perf_counter()
FIGURES = ("demo", "startup", "peak_memory", "search_keystroke", "catalogue_search", "worklist", "worklist_prompts",
           "open_plan_editor", "picker_add_item", "save_revision", "history_open", "compare_revisions", "check_per_revision",
           "check_peak_memory", "pdf_export", "pdf_per_item", "course_open")


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="small sizes, one run: checks that every benchmark still works, not how fast")
    p.add_argument("--patients", type=int, metavar="N", help="demo patients in the big database (default 10000, quick 200)")
    p.add_argument("--runs", type=int, metavar="R", help="runs per figure; the median is reported (default 5, quick 1)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="demo data seed (default 1)")
    p.add_argument("--only", nargs="+", metavar="NAME", choices=FIGURES, help="measure only these figures")
    p.add_argument("--cache", type=Path, default=BENCH_DIR / ".cache", metavar="DIR",
                   help="where built demo databases are kept between runs (default bench/.cache)")
    p.add_argument("--rebuild", action="store_true", help="build the demo database again even if it is cached")
    p.add_argument("--json", type=Path, metavar="FILE",
                   help="where to write the results (default bench/results/latest.json, quick: quick.json)")
    args = p.parse_args(argv)
    if args.patients is None:
        args.patients = 200 if args.quick else 10_000
    if args.runs is None:
        args.runs = 1 if args.quick else 5
    if args.patients < 1 or args.runs < 1:
        p.error("--patients and --runs must be at least 1")
    args.json = args.json or BENCH_DIR / "results" / ("quick.json" if args.quick else "latest.json")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    started = datetime.now(UTC)
    wanted = set(args.only or FIGURES)
    work = Path(tempfile.mkdtemp(prefix="careplan-bench-"))
    # Nothing the bench does may touch the user's own CarePlan data or settings.
    os.environ["CAREPLAN_DATA_DIR"] = str(work / "data")
    os.environ["XDG_CONFIG_HOME"] = str(work / "data" / "config")
    os.environ["CAREPLAN_SETTINGS_DIR"] = str(work / "data" / "settings")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.pop("CAREPLAN_DB_URL", None)
    try:
        figures = run(args, wanted, work)
    except RuntimeError as e:  # the demo database could not be built: nothing to measure
        print(f"bench: {e}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = "make bench" + (f" ARGS={shlex.quote(' '.join(argv))}" if argv else "")
    print(flush=True)
    print(table(figures))
    print(f"\n`{command}` on {describe_machine()}, {started:%Y-%m-%d}.")
    settings = {"quick": args.quick, "patients": args.patients, "runs": args.runs, "seed": args.seed,
                "only": sorted(wanted)}
    write_json(args.json, figures, command, settings, started)
    print(f"\nWritten to {args.json} ({time.perf_counter() - _T0:.0f} s in all).", flush=True)
    failed = [f.name for f in figures if f.details.get("error")]
    return 1 if failed else 0


def say(text: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.1f} s] {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, wanted: set[str], work: Path) -> list[Figure]:
    from bench import (
        check,
        course,
        database,
        editor,
        history,
        pdf,
        saving,
        search,
        startup,
        worklist,
    )
    from bench.core import figure

    env = database.child_env(work / "data")
    out: list[Figure] = []

    def attempt(names: tuple[str, ...], label: str, fn: Callable[[], list[Figure]]) -> None:
        if not wanted.intersection(names):
            return
        say(label)
        try:
            got = fn()
        except Exception as e:  # one broken benchmark must not hide the others' results
            traceback.print_exc()
            got = [Figure(name=n, title=n, value=None, unit="", goal="", note=f"failed: {e}",
                          details={"error": repr(e)}) for n in names]
        out.extend(f for f in got if f.name in wanted)

    say(f"demo database: {args.patients:,} patients, seed {args.seed}")
    build = database.demo_database(args.cache, args.patients, args.seed, work / "data", rebuild=args.rebuild)
    if "demo" in wanted:
        when = "this run" if build.fresh else f"cached, built {build.built_at}; --rebuild to measure again"
        demo_goal = database.demo_goal(args.patients)
        out.append(figure("demo", f"careplan demo --patients {args.patients:,}", "s", demo_goal, [build.seconds],
                          via="subprocess", note=f"{build.revisions:,} revisions ({when})",
                          details={"revisions": build.revisions, "patients": build.patients, "fresh": build.fresh}))
    say("copying the database for this run")
    path = database.working_copy(build.path, work / "db")

    attempt(("startup", "peak_memory"), "start-up and memory (child processes)",
            lambda: startup.measure(path, env, args.runs))

    from careplan.persistence.engine import open_database

    db = open_database(str(path))
    try:
        # First, while the database holds only the demo patients the other benches add to.
        attempt(("check_per_revision", "check_peak_memory"), "careplan check",
                lambda: check.measure(db, path, env, args.runs))
        attempt(("search_keystroke",), "patient search", lambda: [search.patient_search(db, path, args.runs)])
        attempt(("catalogue_search",), "catalogue search",
                lambda: [search.catalogue_search(args.runs, 300 if args.quick else search.CATALOGUE_SIZE)])
        attempt(("worklist", "worklist_prompts"), "worklist", lambda: worklist.measure(db, path, args.runs))
        attempt(("open_plan_editor", "picker_add_item"), "plan editor", lambda: editor.measure(db, args.runs))
        attempt(("save_revision",), "saving revisions", lambda: saving.measure(db, work / "small", args.runs))
        attempt(("history_open", "compare_revisions"), "history and comparison",
                lambda: history.measure(db, args.runs, 20 if args.quick else 200))
        attempt(("course_open",), "assessments panel", lambda: course.measure(db, args.runs))
        attempt(("pdf_export", "pdf_per_item"), "PDF export", lambda: pdf.measure(work / "pdf", args.runs))
    finally:
        db.dispose()
    order = {n: i for i, n in enumerate(FIGURES)}
    return sorted(out, key=lambda f: order.get(f.name, len(order)))


if __name__ == "__main__":
    sys.exit(main())
