"""Reading one kind of patient history row for an export file, grouped by patient."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

CHUNK = 500  # SQLite limits the number of values bound in one IN (...)


def rows_by_patient(s: Session, row_type: Any, patient_ids: Sequence[int] | None,
                    to_json: Callable[[Any], dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Every row of row_type for the patients (all when None), as JSON, by patient id, in id order."""
    q = select(row_type).order_by(row_type.id)
    rows: list[Any] = []
    if patient_ids is None:
        rows = list(s.scalars(q))
    else:
        for k in range(0, len(patient_ids), CHUNK):
            rows.extend(s.scalars(q.where(row_type.patient_id.in_(patient_ids[k:k + CHUNK]))))
    out: dict[int, list[dict[str, Any]]] = {}
    for r in sorted(rows, key=lambda r: r.id):
        out.setdefault(r.patient_id, []).append(to_json(r))
    return out
