"""Shared fixtures. Qt runs offscreen; every test gets its own data folder and databases.

Data and service tests take the `db` fixture, which runs them twice: on a real SQLite file
and on the real PostgreSQL server that scripts/with-postgres starts (CAREPLAN_TEST_PG_URL).
Without that server the PostgreSQL half skips with a reason, except in CI, where it fails.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CAREPLAN_BUSY_TIMEOUT_MS", "1500")
# The app refuses (and remembers) any database statement it runs on the GUI thread: see ui/db_guard.py.
os.environ.setdefault("CAREPLAN_GUI_DB_GUARD", "1")

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from careplan.persistence.engine import Database, open_database

PG_URL = os.environ.get("CAREPLAN_TEST_PG_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test ever touches the real per-user data folder or database."""
    data = tmp_path / "userdata"
    monkeypatch.setenv("CAREPLAN_DATA_DIR", str(data))
    monkeypatch.delenv("CAREPLAN_DB_URL", raising=False)
    return data


def _require_pg() -> str:
    if PG_URL:
        return PG_URL
    if IN_CI:
        pytest.fail("CI=true but CAREPLAN_TEST_PG_URL is not set: scripts/with-postgres must start PostgreSQL")
    pytest.skip("PostgreSQL tests need a server: run through `make test` (scripts/with-postgres) to include them")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL for a fresh, empty schema on the test PostgreSQL server; dropped afterwards."""
    base = _require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema}"
    with admin.connect() as c:
        c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'careplan.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'careplan.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    database = open_database(sqlite_url)
    yield database
    database.dispose()


@pytest.fixture
def kolkata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The local zone is India (UTC+05:30): for local-time display, and for times kept in UTC."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def _private_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test remembers its choices (print options, layout) in its own folder, never the user's."""
    monkeypatch.setenv("CAREPLAN_SETTINGS_DIR", str(tmp_path_factory.mktemp("settings")))
