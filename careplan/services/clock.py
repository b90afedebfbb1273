"""One place for 'now' and 'today', so tests and demo data can pin them."""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return date.today()


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return "coordinator"
