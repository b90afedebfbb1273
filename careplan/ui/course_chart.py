"""Line charts of the ALS course, drawn with QPainter.

PySide6-Essentials has no QtCharts, and the charts need little: a few series over dates, a
dashed guideline threshold (FVC 50%, usual weight) and the King's stage written where it
changes. A plain QWidget keeps it dependency-free and fast (no layout of chart items).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from careplan.domain.course_view import ChartSpec

# Colour-blind-safe (Okabe-Ito), dark enough on white to read as thin lines.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 12, 26, 22
LEGEND_HEIGHT = 18


class CourseChart(QWidget):
    """One chart; set_data() replaces what it shows. The text is also its accessible description."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.data = ChartSpec("", 0, 1)
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(480, 200)

    def set_data(self, data: ChartSpec) -> None:
        self.data = data
        self.setAccessibleName(data.title)
        latest = [f"{s.name} {s.points[-1][1]:g} on {s.points[-1][0].isoformat()}" for s in data.series if s.points]
        self.setAccessibleDescription("; ".join(latest) or "No values recorded")
        self.update()

    def _dates(self) -> tuple[date, date] | None:
        days = [d for s in self.data.series for d, _ in s.points] + [d for d, _ in self.data.marks]
        if not days:
            return None
        first, last = min(days), max(days)
        return (first, last) if last > first else (date.fromordinal(first.toordinal() - 15),
                                                   date.fromordinal(last.toordinal() + 15))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        text = QColor("#222222")
        title_font = QFont(self.font())
        title_font.setBold(True)
        p.setFont(title_font)
        p.setPen(text)
        p.drawText(QRectF(8, 4, self.width() - 16, 20), Qt.AlignmentFlag.AlignLeft, self.data.title)
        p.setFont(self.font())
        top = MARGIN_TOP + (LEGEND_HEIGHT if len(self.data.series) > 1 else 0)
        plot = QRectF(MARGIN_LEFT, top, max(10, self.width() - MARGIN_LEFT - MARGIN_RIGHT),
                      max(10, self.height() - top - MARGIN_BOTTOM))
        p.setPen(QPen(QColor("#999999"), 1))
        p.drawRect(plot)
        span = self._dates()
        if span is None:
            p.setPen(text)
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "Nothing recorded yet")
            return
        first, last = span
        low, high = self.data.low, self.data.high

        def x(d: date) -> float:
            return plot.left() + plot.width() * (d - first).days / max(1, (last - first).days)

        def y(v: float) -> float:
            return plot.bottom() - plot.height() * (min(max(v, low), high) - low) / (high - low)

        self._axes(p, plot, first, last, y, text)
        for value, label in self.data.guides:
            p.setPen(QPen(QColor("#a4000f"), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(plot.left(), y(value)), QPointF(plot.right(), y(value)))
            p.drawText(QPointF(plot.left() + 4, y(value) - 3), label)
        for s in self.data.series:
            colour = PALETTE[s.colour % len(PALETTE)]
            pen = QPen(QColor(colour), 2.0)
            p.setPen(pen)
            pts = [QPointF(x(d), y(v)) for d, v in s.points]
            for a, b in zip(pts, pts[1:], strict=False):
                p.drawLine(a, b)
            p.setBrush(QColor(colour))
            for pt in pts:
                p.drawEllipse(pt, 2.5, 2.5)
            p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor("#555555"), 1, Qt.PenStyle.DotLine))
        for d, label in self.data.marks:
            p.drawLine(QPointF(x(d), plot.top()), QPointF(x(d), plot.bottom()))
            p.drawText(QPointF(min(x(d) + 3, plot.right() - 30), plot.top() + 12), label)
        self._legend(p, plot)

    def _axes(self, p: QPainter, plot: QRectF, first: date, last: date, y: object, text: QColor) -> None:
        assert callable(y)
        p.setPen(text)
        low, high = self.data.low, self.data.high
        for k in range(5):
            value = low + (high - low) * k / 4
            p.drawText(QRectF(0, y(value) - 8, MARGIN_LEFT - 6, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{value:g}")
        p.drawText(QRectF(plot.left(), plot.bottom() + 3, 120, 16), Qt.AlignmentFlag.AlignLeft, first.isoformat())
        p.drawText(QRectF(plot.right() - 120, plot.bottom() + 3, 120, 16), Qt.AlignmentFlag.AlignRight,
                   last.isoformat())

    def _legend(self, p: QPainter, plot: QRectF) -> None:
        if len(self.data.series) < 2:
            return
        x = plot.left()
        y = MARGIN_TOP + LEGEND_HEIGHT / 2
        for s in self.data.series:
            p.setPen(QPen(QColor(PALETTE[s.colour % len(PALETTE)]), 3))
            p.drawLine(QPointF(x, y), QPointF(x + 14, y))
            p.setPen(QColor("#222222"))
            p.drawText(QPointF(x + 18, y + 4), s.name)
            x += p.fontMetrics().horizontalAdvance(s.name) + 34
