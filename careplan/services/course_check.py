"""The part of `careplan check` that reads the ALS course: every assessment still says what
the app would accept, and every correction points at an earlier assessment of the same patient.

Streamed in id order like the revision check, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import cast

from sqlalchemy import Connection, select

from careplan.domain.course import validate_assessment
from careplan.domain.errors import ValidationError
from careplan.persistence.models import AssessmentRow
from careplan.services.course import to_domain


def assessment_problems(conn: Connection, counted: list[int], rows_per_fetch: int) -> Iterator[str]:
    """Yield one line per broken assessment; counted[0] grows by one per assessment read.

    Core rows, not ORM objects, fetched `rows_per_fetch` at a time (a server-side cursor on
    PostgreSQL), so memory does not grow with the number of assessments.
    """
    table = AssessmentRow.__table__
    old = table.alias("old")
    q = (select(table, old.c.patient_id.label("old_patient"), old.c.id.label("old_id"))
         .outerjoin(old, old.c.id == table.c.supersedes).order_by(table.c.id))
    result = conn.execution_options(stream_results=True, yield_per=rows_per_fetch).execute(q)
    for row in result:
        counted[0] += 1
        where = f"Assessment {row.id} (patient id {row.patient_id})"
        if row.supersedes is not None and (row.old_id is None or row.old_patient != row.patient_id
                                           or row.old_id >= row.id):
            yield f"{where} corrects assessment {row.supersedes}, which is not an earlier one of the same patient"
        try:
            # Dates are not checked against today: a clock set back must not make history "wrong".
            validate_assessment(to_domain(cast(AssessmentRow, row)), today=date.max, date_of_birth=None)
        except ValidationError as e:
            yield f"{where}: {e}"
