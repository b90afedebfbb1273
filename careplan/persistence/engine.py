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
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from careplan.paths import default_database_path, ensure_private_dir
from careplan.persistence import db_problems, passwords, schema, sqlite_file, who
from careplan.persistence.errors import (
    DamagedDatabaseError,
    DatabaseOpenError,
    ForeignDatabaseError,
    NewerSchemaError,
    PasswordNeededError,
)
from careplan.persistence.presence import SharedHold

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
    # Our shared lock on the SQLite file's <name>.lock while we have it open; a restore needs it to itself.
    presence: SharedHold | None = None
    # PostgreSQL after `careplan admin init`: the printed name the server stamps for this login
    # (persistence/who.py). The app records it as the author; None elsewhere.
    server_name: str | None = None
    # And the login it stamps (session_user) where a signature records who signed; None elsewhere.
    server_login: str | None = None
    # And its staff role ('viewer', 'editor', 'admin') when it opened: the app lets a viewer read,
    # not edit, rather than let them type edits the server will refuse to save (or keep as a draft).
    server_role: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        """Where the data lives, without any password."""
        return describe_url(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error."""
        self._present()
        with self.write_sessions.begin() as s:
            yield s

    @contextmanager
    def reading(self) -> Iterator[Session]:
        self._present()
        with self.sessions() as s:
            yield s

    def _present(self) -> None:
        # Used again after dispose() (the app after a refused restore): hold the lock again.
        if self.presence is not None and not self.presence.held:
            self.presence.acquire()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.presence is not None:
            self.presence.release()


def describe_url(url: URL) -> str:
    """Where the data lives, without any password: the SQLite file's path, or the server's address."""
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


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
    if backend == "sqlite" and (url.username or url.password or url.host or url.port):
        # SQLite has no server and no login: "sqlite://user:pw@host/x.db" would open a file x.db
        # in whatever folder the command runs from.
        raise DatabaseOpenError(
            f"The database address '{_safe(raw)}' gives a user, password or host, which an SQLite file does not "
            "have. Write sqlite:////full/path/to/careplan.sqlite3 or just the file's path. Nothing was opened."
        )
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise DatabaseOpenError("An in-memory SQLite database would lose everything on exit; give a file path.")
    if backend == "sqlite" and url.database is not None and not url.database.startswith("file:"):
        url = url.set(database=str(Path(url.database).expanduser().absolute()))
    return url


def _safe(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except Exception:
        return raw.split("@")[-1] if "@" in raw else raw


def probe_sqlite_file(path: Path, *, whole: bool = False) -> str | None:
    """Read-only look at an existing file: its schema revision, or None when it is empty/new.

    whole=True also refuses a file that shows damage (sqlite_file.check_whole). Raises
    DatabaseOpenError naming the problem; never writes to the file.
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
        conn = sqlite_file.read_only_connect(path, busy_timeout_ms() / 1000)
    except sqlite3.Error as e:
        raise DatabaseOpenError(f"Cannot open {path}: {e}.") from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            version = row[0] if row else None
        version = classify(tables, version, str(path))
        if whole:
            sqlite_file.check_whole(conn, path, tables, version)
    except sqlite_file.DamagedFileError as e:
        raise DamagedDatabaseError(db_problems.damaged(str(path), str(e))) from None
    except sqlite3.DatabaseError as e:
        found = db_problems.classify(e)
        if found is not None and found[0] is db_problems.Problem.DAMAGED:
            raise DamagedDatabaseError(db_problems.damaged(str(path), found[1])) from None
        sentence = db_problems.describe(e, str(path), busy_seconds=busy_timeout_ms() / 1000)
        raise DatabaseOpenError(sentence or f"{path} cannot be read as a database: {e}.") from None
    finally:
        conn.close()
    return version


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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, *, read_only: bool = False) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN, so DDL is transactional too.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    cur.execute("PRAGMA foreign_keys=ON")
    # A REPLACE deletes the row it replaces; only with recursive triggers do the delete guards see it.
    cur.execute("PRAGMA recursive_triggers=ON")
    if read_only:  # switching to WAL would write; a read-only file keeps the journal mode it has
        cur.execute("PRAGMA query_only=ON")
    else:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front: a deferred transaction that reads and then writes
    # fails at once in WAL mode when another writer committed in between.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("careplan_write") else "BEGIN")


def make_engine(url: URL, *, read_only_uri: str | None = None) -> Engine:
    if url.get_backend_name() == "sqlite":
        if read_only_uri is None:
            engine = create_engine(url, connect_args={"check_same_thread": False})
        else:
            engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(
                read_only_uri, uri=True, check_same_thread=False, timeout=busy_timeout_ms() / 1000))
        event.listen(engine, "connect", partial(_sqlite_pragmas, read_only=read_only_uri is not None))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except NoSuchModuleError as e:
        raise DatabaseOpenError(f"CarePlan cannot talk to this kind of database: {e}") from None
    event.listen(engine, "connect", _server_lock_timeout)
    return engine


def _server_lock_timeout(dbapi_conn: Any, _record: Any) -> None:
    # Like SQLite's busy timeout: a lock another program holds stops a command after a while, with
    # one sentence (db_problems), instead of leaving it waiting for ever.
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    try:
        dbapi_conn.execute(f"SET lock_timeout = {busy_timeout_ms():d}")
    finally:
        dbapi_conn.autocommit = autocommit


def open_database(url_arg: str | None = None, *, migrate: bool = True, backup_before_upgrade: bool = True,
                  refuse_damaged: bool = True, password: str | None = None) -> Database:
    """Open (creating or upgrading when needed) the database named by url_arg.

    A damaged SQLite file is refused unless refuse_damaged=False (`careplan check`, which reports
    what is wrong). A file on read-only media is opened read-only. `password` (typed in the app's
    sign-in dialog) goes into the engine's URL in memory only; a server that wants one raises
    PasswordNeededError.
    """
    url = resolve_url(url_arg)
    url = passwords.with_remembered_password(url) if password is None else url.set(password=password)
    path: Path | None = None
    version: str | None
    read_only_uri = None
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        path = Path(url.database)
        damaged = None
        try:
            version = probe_sqlite_file(path, whole=True)
        except DamagedDatabaseError as e:
            if refuse_damaged:
                raise
            damaged, version = e, probe_sqlite_file(path)
        if version is None and not path.exists():
            _create_private_file(path)
        uri, read_only = sqlite_file.connect_uri(path)
        if damaged is not None:  # opened only to be checked, so never written to
            if version != schema.HEAD:
                raise damaged
            uri, read_only = f"{path.as_uri()}?mode=ro", True
        if read_only:
            if version != schema.HEAD:
                raise DatabaseOpenError(
                    f"{path} is read-only (read-only media, or no permission to write there) and "
                    + ("empty" if version is None else f"from an older CarePlan (schema {version})")
                    + ", so CarePlan cannot set it up. Copy it to a folder you can write to and open the copy.")
            read_only_uri = uri
    # Before the first connection: a restore that holds the database to itself finishes first.
    hold = SharedHold(path, timeout_s=busy_timeout_ms() / 1000) if path is not None else None
    engine = make_engine(url, read_only_uri=read_only_uri)
    db = Database(
        engine,
        url,
        path,
        sessionmaker(engine, expire_on_commit=False),
        sessionmaker(engine.execution_options(careplan_write=True), expire_on_commit=False),
        hold,
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
        if path is None:
            with engine.connect() as conn:
                db.server_name = who.server_name(conn)
                if db.server_name is not None:
                    db.server_login = str(conn.execute(text("SELECT session_user")).scalar_one())
                    db.server_role = who.login_role(conn)
    except OperationalError as e:
        db.dispose()
        wanted = db_problems.password_problem(str(e.orig)) if path is None else None
        if wanted is not None:
            raise PasswordNeededError(_operational_message(db, e), refused=wanted == "refused") from None
        raise DatabaseOpenError(_operational_message(db, e)) from None
    except SQLAlchemyError as e:
        db.dispose()
        found = db_problems.classify(e)
        if path is None and found is not None and found[0] is db_problems.Problem.DENIED and version != schema.HEAD:
            raise DatabaseOpenError(
                f"The database at {db.describe()} has an older schema ({version}) and this login may not upgrade "
                "it: ask the clinic's IT to run `careplan admin upgrade` as the database's owner. Nothing was "
                "changed.") from None
        if path is None and (sentence := db_problems.describe(e, db.describe(), busy_seconds=busy_timeout_ms() / 1000)):
            raise DatabaseOpenError(sentence) from None
        raise DatabaseOpenError(f"The database at {db.describe()} could not be opened: {e.__class__.__name__}: {e.orig if hasattr(e, 'orig') else e}") from None
    except BaseException:
        db.dispose()
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
        if refused := db_problems.login_problem(msg, describe_url(db.url), db.url.username):
            return refused
        first = msg.strip().splitlines()[0] if msg.strip() else "no answer"
        return f"Cannot reach the database server {db.describe()}: {first}"
    return f"Cannot use {db.describe()}: {msg}"
