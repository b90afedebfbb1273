"""Opening a patient is recorded in the audit log (services/access.py): who, when, which MRN.

Written on the worker after the plan is shown, so opening never waits for it. A failure to
record is said in the status bar, never a crash: the record was only read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtWidgets import QWidget
from sqlalchemy.exc import SQLAlchemyError

from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.services.access import record_opened
from careplan.services.changes import Changes, Outcome
from careplan.ui.operations import CollectionOp

log = logging.getLogger(__name__)


def _opened(db: Database, patient_id: int, actor: str) -> Outcome[None]:
    record_opened(db, patient_id, actor=actor)
    return Outcome(None, Changes(audit=True))


def record_opening(parent: QWidget, db: Database, patient_id: int, actor: str, say: Callable[[str], None]) -> None:
    def failed(error: BaseException) -> None:
        if not isinstance(error, CarePlanError | SQLAlchemyError):
            raise error
        log.warning("opening patient id %s was not recorded: %s", patient_id, type(error).__name__)
        say("Opening this record could not be written to the audit log.")

    CollectionOp(parent, lambda: _opened(db, patient_id, actor)).failure(failed).named("access").run_in_background()
