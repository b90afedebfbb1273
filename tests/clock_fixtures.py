"""A fixed, settable clock for the services (services/clock.py), in a known time zone."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from careplan.services import clock as clock_module


class FixedClock:
    """What every service reads as now and today; move it with `at(...)`."""

    def __init__(self, now: datetime):
        self.now = now

    def at(self, moment: datetime) -> FixedClock:
        self.now = moment
        return self

    def utcnow(self) -> datetime:
        return self.now.astimezone(UTC)

    def today(self) -> date:
        return self.now.astimezone().date()  # the local calendar day, as date.today() gives


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FixedClock]:
    """Services import today/utcnow by name: replace every copy of them, and the clock's own.

    The local zone is India (UTC+05:30), so a test also sees UTC moments become local dates.
    """
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    fixed = FixedClock(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))
    real = {"today": clock_module.today, "utcnow": clock_module.utcnow}
    for name, module in list(sys.modules.items()):
        if not name.startswith("careplan") or module is None:
            continue
        for attr, fn in real.items():
            if getattr(module, attr, None) is fn:
                monkeypatch.setattr(module, attr, getattr(fixed, attr))
    yield fixed
    monkeypatch.undo()
    time.tzset()
