"""A clinic on the test PostgreSQL server after `careplan admin init`, whose staff log in for real.

The test cluster (scripts/with-postgres) trusts logins on loopback, so a staff role logs in by
name alone and `session_user` is really that role (SET ROLE would not change it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from careplan.persistence.engine import Database, open_database
from careplan.services import plans, staff
from tests.history_builders import make_patient, plan_with


@dataclass
class Clinic:
    owner: Database
    url: str
    logins: list[str]
    patient_id: int

    def login(self, role: str, name: str, *, password: str | None = None) -> str:
        login = f"t{role[:2]}_{uuid.uuid4().hex[:10]}"
        staff.add_user(self.owner, login, name, role, password)
        self.logins.append(login)
        return login

    def url_for(self, login: str, password: str | None = None) -> str:
        return make_url(self.url).set(username=login, password=password).render_as_string(hide_password=False)

    def connect(self, login: str) -> psycopg.Connection:
        """A plain driver connection as `login`, autocommit: each statement stands alone."""
        u = make_url(self.url_for(login))
        return psycopg.connect(host=u.host, port=u.port, dbname=u.database, user=login,
                               options=u.query["options"], autocommit=True)


@pytest.fixture
def clinic(pg_url: str) -> Iterator[Clinic]:
    owner = open_database(pg_url)
    patient = make_patient(owner, "R-1")
    assert patient.id is not None
    plans.save_revision(owner, patient.id, base_revision=0, content=plan_with(3), author="Owner Setup", reason="")
    staff.init(owner)
    c = Clinic(owner, pg_url, [], patient.id)
    yield c
    owner.dispose()
    superuser = create_engine(make_url(pg_url).set(query={}), isolation_level="AUTOCOMMIT")
    with superuser.connect() as conn:
        for login in c.logins:  # roles are cluster-wide; the test schema is dropped by pg_url
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login}).first():
                conn.execute(text(f'DROP OWNED BY "{login}"'))
                conn.execute(text(f'DROP ROLE "{login}"'))
    superuser.dispose()
