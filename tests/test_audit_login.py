"""The audit log records the login behind the printed name (schema 0008).

SQLite: the operating-system login, the only witness a desktop file has. PostgreSQL: the server's
session_user, filled in by the column's default (tests/test_pg_roles.py shows a staff login cannot
claim another).
"""

from __future__ import annotations

from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.clock import login_name
from tests.history_builders import make_patient


def test_each_audit_event_records_the_login_beside_the_printed_name(db: Database) -> None:
    make_patient(db, "L-1")  # recorded as "tester", the printed name the caller gave
    event = audit.list_events(db, limit=1)[0]
    assert event.actor == "tester"
    if db.is_sqlite:
        assert event.login == login_name()
    else:
        with db.engine.connect() as conn:
            assert event.login == conn.exec_driver_sql("SELECT session_user").scalar_one()
