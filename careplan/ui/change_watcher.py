"""Noticing saves made elsewhere: another window, the CLI, another coordinator on the server.

Every write appends to the audit log in its own transaction, so "what changed since I last
looked" is "which audit events are new". What wakes us up differs by database:
- SQLite: `PRAGMA data_version` on a private connection, polled every second or so on the worker
  thread (a tiny query); it moves whenever anyone else commits to the file.
- PostgreSQL: audit.record() sends NOTIFY careplan_changes in the same transaction (delivered on
  commit); a thread of ours LISTENs on a connection of its own and wakes the same read.
New events become a Changes value, announced through the runner's one changesApplied signal
with source ELSEWHERE. Events that the app's own writes explain are not announced twice.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from careplan.persistence.engine import Database
from careplan.services import changes as change_service
from careplan.services.changes import NOTHING, Changes, SeenEvent
from careplan.ui.operations import QueryOp, runner

ELSEWHERE = "elsewhere"
POLL_MS = 1000
CHANNEL = "careplan_changes"
log = logging.getLogger(__name__)


def explained_by(own: Changes, event: SeenEvent) -> bool:
    """True when the app's own recent writes account for this event."""
    c = change_service.changes_from_events([event])
    if c.everything:
        return False
    if event.action in change_service.PLAN_ACTIONS:
        # Exactly the revision we saved: someone else's save of the same plan is still news.
        return (event.patient_id, event.revision) in {(pid, n) for pid, n, _who in own.revisions}
    return (c.plans <= own.plans and c.patients <= own.patients and (own.catalogue or not c.catalogue)
            and (own.audit or not c.audit))


class ChangeWatcher(QObject):
    noticed = Signal(object, list)
    """Saves made elsewhere were found: (Changes, the events); after changesApplied was emitted."""
    _notified = Signal()
    """Internal: the PostgreSQL listener heard a NOTIFY (sent from its own thread)."""

    def __init__(self, db: Database, parent: QObject | None = None, interval_ms: int = POLL_MS):
        super().__init__(parent)
        self.db = db
        self._last_id: int | None = None
        # The app's own writes, each with the number of the last check submitted when it arrived:
        # a check submitted later runs after that write committed, so its result covers it.
        self._own: list[tuple[int, Changes]] = []
        self._seq = 0
        self._checking = False
        self._again = False
        self._version: int | None = None
        self._data_version: change_service.SqliteDataVersion | None = None
        self._stop = threading.Event()
        self._stopped = False  # closing: results still arriving are dropped, nothing new is read
        # The listener thread emits only under this lock, and never once the watcher is deleted
        # (its window went away without close(): a crash path); emitting then raised
        # "Signal source has been deleted" and left nothing listening.
        self._emit_lock = threading.Lock()
        stop, lock = self._stop, self._emit_lock

        def deleted(*_: object) -> None:
            with lock:
                stop.set()

        self.destroyed.connect(deleted)
        self._thread: threading.Thread | None = None
        self.timer = QTimer(self, interval=interval_ms)
        runner().changesApplied.connect(self._applied)
        self._notified.connect(self.check)
        if db.is_sqlite:
            self.timer.timeout.connect(self._poll)
        else:
            self.timer.timeout.connect(self._keep_listening)

    def start(self) -> None:
        QueryOp(None, lambda: change_service.last_event_id(self.db)).success(self._started).named(
            "watch-start").run_in_background()

    def _started(self, last_id: int) -> None:
        if self._stopped:
            return
        self._last_id = last_id if self._last_id is None else self._last_id
        if not self.db.is_sqlite:
            self._start_listener()
        self.timer.start()

    def stop(self) -> None:
        self._stopped = True
        self.timer.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
            self._thread = None
        if self._data_version is not None:
            data_version, self._data_version = self._data_version, None
            QueryOp(None, data_version.close).named("watch-stop").run_in_background()

    @Slot(object, object)
    def _applied(self, changes: Changes, source: object) -> None:
        if source != ELSEWHERE:
            self._own.append((self._seq, changes))

    # --- SQLite: data_version -------------------------------------------------------------------
    @Slot()
    def _poll(self) -> None:
        if self._checking or self._last_id is None or self._stopped:
            return
        self._checking = True
        QueryOp(None, self._read_version).success(self._version_read).failure(self._failed).named(
            "watch-poll").run_in_background()

    def _read_version(self) -> int:
        if self._data_version is None:
            self._data_version = change_service.SqliteDataVersion(self.db)
        return self._data_version.read()

    def _version_read(self, version: int) -> None:
        self._checking = False
        if self._stopped:
            return
        # The first reading has nothing to compare with: look at the log once (from the id read at start).
        changed = self._version is None or version != self._version
        self._version = version
        if changed:
            self.check()

    # --- PostgreSQL: LISTEN/NOTIFY --------------------------------------------------------------
    def _start_listener(self) -> None:
        self._stop.clear()
        conninfo = self.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._thread = threading.Thread(target=self._listen, args=(conninfo,), name="careplan-listen", daemon=True)
        self._thread.start()

    def _listen(self, conninfo: str) -> None:
        import psycopg

        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                while not self._stop.is_set():
                    for _note in conn.notifies(timeout=0.5, stop_after=1):
                        with self._emit_lock:
                            if self._stop.is_set():
                                return
                            self._notified.emit()
        except Exception as e:  # the timer starts a new listener; say why in the log, no data in it
            log.warning("change listener stopped: %s", e.__class__.__name__)

    @Slot()
    def _keep_listening(self) -> None:
        if self._thread is not None and not self._thread.is_alive() and not self._stop.is_set():
            self._start_listener()
            self.check()  # anything missed while the listener was down

    # --- reading what changed ------------------------------------------------------------------
    @Slot()
    def check(self) -> None:
        """Read the audit events added since the last look, and announce the ones made elsewhere."""
        if self._last_id is None or self._stopped:
            return
        if self._checking:
            self._again = True
            return
        self._checking = True
        self._seq += 1
        last, seq = self._last_id, self._seq
        QueryOp(None, lambda: change_service.events_after(self.db, last)).success(
            lambda events: self._events_read(seq, events)).failure(self._failed).named(
            "watch-events").run_in_background()

    def _events_read(self, seq: int, events: list[SeenEvent]) -> None:
        self._checking = False
        if self._stopped:
            return
        if events:
            self._last_id = events[-1].id
        own = NOTHING
        for _arrived, changes in self._own:
            own |= changes
        self._own = [(arrived, c) for arrived, c in self._own if arrived >= seq]
        foreign = [e for e in events if not explained_by(own, e)]
        if foreign:
            found = change_service.changes_from_events(foreign)
            runner().changesApplied.emit(found, ELSEWHERE)
            self.noticed.emit(found, foreign)
        if self._again or len(events) >= 1000:
            self._again = False
            self.check()

    def _failed(self, error: BaseException) -> None:
        # A busy or briefly unreachable database: try again on the next tick, never bother the user.
        self._checking = False
        log.warning("checking for changes failed: %s", error.__class__.__name__)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()
