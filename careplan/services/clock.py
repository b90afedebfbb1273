"""One place for 'now' and 'today', so tests and demo data can pin them.

CAREPLAN_TODAY=YYYY-MM-DD pins today() (review due dates, new items' start dates), so
screenshots and demonstrations made on different days show the same screens.
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, date, datetime

TODAY_ENV = "CAREPLAN_TODAY"


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    pinned = os.environ.get(TODAY_ENV)
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            pass  # a malformed pin is ignored, never a crash: the real date is the safe answer
    return date.today()


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return "coordinator"
