"""Opening a CarePlan database: SQLite by default, PostgreSQL for a clinic's shared server.

Every check that can refuse a file runs on a read-only connection first, so a file that is
not ours (or is newer than us) is never written to.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from careplan.paths import default_database_path, ensure_private_dir
from careplan.persistence import schema
from careplan.persistence.errors import DatabaseOpenError, ForeignDatabaseError, NewerSchemaError

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_BUSY_TIMEOUT_MS = 5000
OUR_TABLES = {"patients", "plans", "plan_revisions", "audit_events"}


def busy_timeout_ms() -> int:
    return int(os.environ.get("CAREPLAN_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS))


@dataclass
class Database:
    engine: Engine
    url: URL
    path: Path | None  # the SQLite file, None on a server
    sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        """Where the data lives, without any password."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error."""
        with self.write_sessions.begin() as s:
            yield s

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.sessions() as s:
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


def resolve_url(arg: str | None) -> URL:
    """--db beats CAREPLAN_DB_URL beats the per-user SQLite file. A bare path means SQLite."""
    raw = arg or os.environ.get("CAREPLAN_DB_URL") or ""
    if not raw:
        return URL.create("sqlite", database=str(default_database_path()))
    if "://" not in raw:
        return URL.create("sqlite", database=str(Path(raw).expanduser().resolve()))
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as e:
        raise DatabaseOpenError(f"The database address '{_safe(raw)}' is not valid: {e}") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseOpenError(
            f"The database address '{_safe(raw)}' names '{backend}'; CarePlan works with sqlite:///path or postgresql+psycopg://..."
        )
    if backend == "postgresql" and url.get_driver_name() != "psycopg":
        url = url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise DatabaseOpenError("An in-memory SQLite database would lose everything on exit; give a file path.")
    return url


def _safe(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except Exception:
        return raw.split("@")[-1] if "@" in raw else raw


def probe_sqlite_file(path: Path) -> str | None:
    """Read-only look at an existing file: its schema revision, or None when it is empty/new.

    Raises DatabaseOpenError naming the problem; never writes to the file.
    """
    if path.is_dir():
        raise DatabaseOpenError(f"{path} is a folder, not a database file.")
    if not path.exists():
        return None
    try:
        with path.open("rb") as f:
            header = f.read(16)
    except OSError as e:
        raise DatabaseOpenError(f"Cannot read {path}: {e.strerror}.") from None
    if header == b"":
        return None
    if header != SQLITE_HEADER:
        raise DatabaseOpenError(f"{path} is not a CarePlan database (it is not an SQLite file at all).")
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=busy_timeout_ms() / 1000)
    except sqlite3.Error as e:
        raise DatabaseOpenError(f"Cannot open {path}: {e}.") from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            version = row[0] if row else None
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise DatabaseOpenError(f"{path} is locked by another program; close it and try again.") from None
        raise DatabaseOpenError(f"{path} cannot be read as a database: {e}.") from None
    except sqlite3.DatabaseError as e:
        raise DatabaseOpenError(f"{path} is damaged or not a database: {e}.") from None
    finally:
        conn.close()
    return classify(tables, version, str(path))


def classify(tables: set[str], version: str | None, where: str) -> str | None:
    user_tables = {t for t in tables if not t.startswith("sqlite_")}
    if not user_tables:
        return None
    if version is None or not user_tables >= OUR_TABLES:
        names = ", ".join(sorted(user_tables)[:5])
        raise ForeignDatabaseError(
            f"{where} belongs to another application (its tables are {names}); CarePlan left it untouched."
        )
    if version not in schema.KNOWN_REVISIONS:
        raise NewerSchemaError(
            f"{where} was written by a newer CarePlan (schema '{version}'); this version knows up to "
            f"'{schema.HEAD}'. Update CarePlan to open it; the database was not changed."
        )
    return version


def _create_private_file(path: Path) -> None:
    try:
        if not path.parent.is_dir():
            ensure_private_dir(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        if not path.is_file():
            raise DatabaseOpenError(f"Cannot create the database at {path}: a folder on the way is a file.") from None
    except OSError as e:
        raise DatabaseOpenError(f"Cannot create the database at {path}: {e.strerror}.") from None


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN, so DDL is transactional too.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    cur.execute("PRAGMA foreign_keys=ON")
    # A REPLACE deletes the row it replaces; only with recursive triggers do the delete guards see it.
    cur.execute("PRAGMA recursive_triggers=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front: a deferred transaction that reads and then writes
    # fails at once in WAL mode when another writer committed in between.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("careplan_write") else "BEGIN")


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except NoSuchModuleError as e:
        raise DatabaseOpenError(f"CarePlan cannot talk to this kind of database: {e}") from None


def open_database(url_arg: str | None = None, *, migrate: bool = True, backup_before_upgrade: bool = True) -> Database:
    """Open (creating or upgrading when needed) the database named by url_arg."""
    url = resolve_url(url_arg)
    path: Path | None = None
    version: str | None
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        path = Path(url.database)
        version = probe_sqlite_file(path)
        if version is None and not path.exists():
            _create_private_file(path)
    engine = make_engine(url)
    db = Database(
        engine,
        url,
        path,
        sessionmaker(engine, expire_on_commit=False),
        sessionmaker(engine.execution_options(careplan_write=True), expire_on_commit=False),
    )
    try:
        if path is None:
            version = _probe_server(db)
        if migrate and version != schema.HEAD:
            # Imported here: Alembic is slow to import and most opens need no upgrade. migrate
            # never imports this module (it takes any object shaped like Database), so the
            # dependency goes one way; pyproject.toml's import-linter contract keeps it so.
            from careplan.persistence.migrate import upgrade

            upgrade(db, from_version=version, backup=backup_before_upgrade)
    except OperationalError as e:
        engine.dispose()
        raise DatabaseOpenError(_operational_message(db, e)) from None
    except SQLAlchemyError as e:
        engine.dispose()
        raise DatabaseOpenError(f"The database at {db.describe()} could not be opened: {e.__class__.__name__}: {e.orig if hasattr(e, 'orig') else e}") from None
    except BaseException:
        engine.dispose()
        raise
    return db


def _probe_server(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
        else:  # pragma: no cover
            raise DatabaseOpenError(f"Unsupported database engine {conn.dialect.name}.")
        tables = {r[0] for r in rows}
        version = None
        if "alembic_version" in tables:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).fetchone()
            version = row[0] if row else None
    return classify(tables, version, db.describe())


def _operational_message(db: Database, e: OperationalError) -> str:
    msg = str(e.orig) if e.orig is not None else str(e)
    if "locked" in msg or "busy" in msg:
        return f"{db.describe()} is locked by another program; close it and try again."
    if db.path is None:
        first = msg.strip().splitlines()[0] if msg.strip() else "no answer"
        return f"Cannot reach the database server {db.describe()}: {first}"
    return f"Cannot use {db.describe()}: {msg}"
