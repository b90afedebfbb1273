"""Which revisions of a plan arrived by import, from which file, when and from whom.

Imported history was written outside this database; its hashes only prove the file was
self-consistent. So each import's audit event (action data.imported, one per patient) names the
file (name only, never its folder), its SHA-256 and the revision numbers it appended, and History
shows those revisions as "arrived by import". The audit log is append-only, so the mark cannot be
taken off afterwards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from careplan.persistence.engine import Database
from careplan.persistence.models import AuditEventRow


@dataclass(frozen=True)
class ImportMark:
    file: str
    file_sha256: str | None
    by: str
    at: datetime

    def sentence(self) -> str:
        return f"arrived by import from {self.file} on {self.at.astimezone().strftime('%Y-%m-%d')} by {self.by}"


def imported_revisions(db: Database, patient_id: int) -> dict[int, ImportMark]:
    """Revision number -> how it arrived by import, for the revisions of this patient's plan that did."""
    marks: dict[int, ImportMark] = {}
    with db.reading() as s:
        events = s.execute(select(AuditEventRow.at, AuditEventRow.actor, AuditEventRow.details)
                           .where(AuditEventRow.patient_id == patient_id, AuditEventRow.action == "data.imported")
                           .order_by(AuditEventRow.id))
        for at, actor, raw in events:
            try:
                details = json.loads(raw or "{}")
                first, last = int(details["first_revision"]), int(details["last_revision"])
            except (ValueError, KeyError, TypeError):
                continue  # an import that added no revisions, or one logged before imports named them
            mark = ImportMark(str(details.get("file", "")), details.get("file_sha256"), actor, at)
            for number in range(first, last + 1):
                marks[number] = mark
    return marks
