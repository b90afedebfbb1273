"""Access is recorded (issue 16 part 5): who opened, printed or exported which patient, and when.

Printing and exporting were already audit events (services/printing.py, summary.py, exchange.py,
fhir_export.py); opening a patient in the app is one too. Like every audit event they name the
patient by id and MRN, never by name; file names only, never folders (a folder often carries a
person's name). Admins read them in the audit window (filter "Access") or `careplan audit --access`.
On an initialised server the server itself hides them from every other staff login, in the
audit window, `careplan audit` and plain SQL alike (persistence/audit_access.py).
"""

from __future__ import annotations

from careplan.persistence import who
from careplan.persistence.audit_access import ACCESS_ACTIONS
from careplan.persistence.engine import Database
from careplan.persistence.models import PatientRow
from careplan.services import audit
from careplan.services.patients import NotFoundError

OPENED = ACCESS_ACTIONS[0]  # the list lives with the row-level security that hides these events
__all__ = ["ACCESS_ACTIONS", "ADMINS_ONLY", "OPENED", "access_refused", "record_opened"]
ADMINS_ONLY = ("The access log is for CarePlan admins: ask the clinic's CarePlan administrator to look up who "
               "opened, printed or exported a record.")


def access_refused(db: Database) -> str | None:
    """ADMINS_ONLY for a staff login without the admin role on an initialised server, else None.

    Before `admin init`, on SQLite and for the owner (who is not staff) nothing changes."""
    if db.server_name is None:
        return None
    with db.reading() as s:
        role = who.login_role(s.connection())
    return None if role == "admin" else ADMINS_ONLY


def record_opened(db: Database, patient_id: int, *, actor: str) -> None:
    """Log that `actor` opened the patient's record in the app (its own small transaction)."""
    with db.transaction() as s:
        row = s.get(PatientRow, patient_id)
        if row is None:
            raise NotFoundError("This patient no longer exists.")
        audit.record(s, actor, OPENED, entity="patient", entity_key=row.mrn, patient_id=patient_id)
