"""Charts of the course as plain data, drawn by the screen (QPainter) and the PDF (ReportLab)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[tuple[date, float], ...]
    colour: int = 0  # index into the drawing side's palette


@dataclass
class ChartSpec:
    title: str
    low: float
    high: float
    series: list[Series] = field(default_factory=list)
    guides: list[tuple[float, str]] = field(default_factory=list)  # dashed horizontal lines
    marks: list[tuple[date, str]] = field(default_factory=list)  # e.g. King's stage where it changes

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)
