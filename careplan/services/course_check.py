"""The part of `careplan check` that reads the ALS course: every assessment still says what
the app would accept, and every correction points at an earlier assessment of the same patient.

Streamed in id order like the revision check, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, aliased

from careplan.domain.course import validate_assessment
from careplan.domain.errors import ValidationError
from careplan.persistence.models import AssessmentRow
from careplan.services.course import to_domain

ROWS_PER_FETCH = 1000


def assessment_problems(conn: Connection, counted: list[int]) -> Iterator[str]:
    """Yield one line per broken assessment; counted[0] grows by one per assessment read."""
    old = aliased(AssessmentRow)
    q = (select(AssessmentRow, old.patient_id, old.id)
         .outerjoin(old, old.id == AssessmentRow.supersedes).order_by(AssessmentRow.id))
    with Session(bind=conn) as s:
        for row, old_patient, old_id in s.execute(q.execution_options(yield_per=ROWS_PER_FETCH)):
            counted[0] += 1
            where = f"Assessment {row.id} (patient id {row.patient_id})"
            if row.supersedes is not None and (old_id is None or old_patient != row.patient_id
                                               or old_id >= row.id):
                yield f"{where} corrects assessment {row.supersedes}, which is not an earlier one of the same patient"
            try:
                # Dates are not checked against today: a clock set back must not make history "wrong".
                validate_assessment(to_domain(row), today=date.max, date_of_birth=None)
            except ValidationError as e:
                yield f"{where}: {e}"
