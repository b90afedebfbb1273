"""CAREPLAN_TODAY pins the app's "today" (screenshots and demonstrations); a bad pin never crashes."""

from __future__ import annotations

from datetime import date

from careplan.services import clock


def test_a_pinned_day_is_today(monkeypatch):
    monkeypatch.setenv(clock.TODAY_ENV, "2026-03-02")
    assert clock.today() == date(2026, 3, 2)


def test_a_malformed_pin_falls_back_to_the_real_date(monkeypatch):
    for bad in ("2026-13-40", "yesterday", "<b>&"):
        monkeypatch.setenv(clock.TODAY_ENV, bad)
        assert clock.today() == date.today()
    monkeypatch.delenv(clock.TODAY_ENV)
    assert clock.today() == date.today()
