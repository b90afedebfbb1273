"""What a figure is, how it is timed and judged, and how the results are printed and saved."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent


@dataclass
class Figure:
    """One measured figure; `ok` is None when it was not measured or has no goal."""

    name: str
    title: str
    value: float | None
    unit: str
    goal: str
    baseline: float | None = None
    ratio: float | None = None
    ok: bool | None = None
    samples: int = 0
    via: str = ""  # what was driven: "GUI", "services", "subprocess"...
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Goal:
    """At most `max_value` (absolute) and/or at most `max_ratio` times the baseline."""

    max_value: float | None = None
    max_ratio: float | None = None
    text: str = ""

    def judge(self, value: float | None, ratio: float | None) -> bool | None:
        if value is None:
            return None
        checks = []
        if self.max_value is not None:
            checks.append(value < self.max_value)
        if self.max_ratio is not None and ratio is not None:
            checks.append(ratio <= self.max_ratio)
        return all(checks) if checks else None


def figure(name: str, title: str, unit: str, goal: Goal, samples: list[float],
           baseline: list[float] | None = None, **extra: Any) -> Figure:
    """Median of the samples (and of the baseline's), judged against the goal."""
    value = statistics.median(samples) if samples else None
    base = statistics.median(baseline) if baseline else None
    ratio = value / base if value is not None and base else None
    details = {"samples": [round(x, 3) for x in samples], **extra.pop("details", {})}
    if baseline:
        details["baseline_samples"] = [round(x, 3) for x in baseline]
    return Figure(name=name, title=title, value=value, unit=unit, goal=goal.text, baseline=base, ratio=ratio,
                  ok=goal.judge(value, ratio), samples=len(samples), details=details, **extra)


def not_measured(name: str, title: str, unit: str, goal: Goal, why: str) -> Figure:
    return Figure(name=name, title=title, value=None, unit=unit, goal=goal.text, note=why)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes, by the monotonic high-resolution clock."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def ms(seconds: Iterable[float]) -> list[float]:
    return [s * 1000 for s in seconds]


# --- output --------------------------------------------------------------------------------------

def _num(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "x":
        return f"{v:.2f}x"
    if unit == "MB":
        return f"{v:.0f} MB"
    if abs(v) >= 100:
        return f"{v:.0f} {unit}"
    if abs(v) >= 10:
        return f"{v:.1f} {unit}"
    return f"{v:.2f} {unit}"


def table(figures: list[Figure]) -> str:
    """A plain Markdown table, so the README can show it as it is printed."""
    head = ("figure", "value", "baseline", "ratio", "goal", "ok")
    rows = []
    for f in figures:
        ok = {True: "yes", False: "NO", None: "-"}[f.ok]
        if f.value is None:
            ok = "not measured"
        title = f.title + (f" ({f.via})" if f.via else "")
        rows.append((title, _num(f.value, f.unit), _num(f.baseline, f.unit),
                     f"{f.ratio:.2f}x" if f.ratio is not None else "-", f.goal, ok))
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    notes = [f"- {f.title}: {f.note}" for f in figures if f.note]
    if notes:
        out += ["", "Notes:", *notes]
    return "\n".join(out)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    with contextlib.suppress(OSError):
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    try:
        with open("/proc/cpuinfo") as f:
            models = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        if models:
            info["cpu"] = models[0]
    except OSError:
        pass
    for mod in ("PySide6", "sqlalchemy", "reportlab"):
        with contextlib.suppress(ImportError, AttributeError):
            info[mod] = __import__(mod).__version__
    return info


def describe_machine() -> str:
    m = machine()
    load = m.get("load_average")
    return (f"{m.get('cpu', m['platform'])}, {m['cpus']} CPUs"
            + (f" (load average {load[0]:.1f})" if load else "")
            + f", Python {m['python']}, PySide6 {m.get('PySide6', '?')}")


def write_json(path: Path, figures: list[Figure], command: str, settings: dict[str, Any],
               started: datetime) -> None:
    data = {
        "command": command,
        "date": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings,
        "machine": machine(),
        "figures": [f.as_dict() for f in figures],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
