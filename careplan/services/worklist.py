"""The coordinator's worklist: which active patients need something done, why, and how urgently.

Five reasons put a patient on it, in this order of urgency:
1. `overdue`: the plan's review date has passed (most overdue first). A plan past its review
   may no longer match the patient's needs, and ALS moves fast.
2. `draft`: someone's edits were autosaved but never saved as a revision (oldest first). Until
   they are saved or discarded the printout misses them, and only that author's app offers them back.
3. `no_plan`: the patient has no saved plan yet (waiting longest first).
4. `due_soon`: the review falls within the next `days` days, 14 by default (soonest first).
5. `prompts`: guideline prompts are open (services/prompts.py): the course crossed a threshold a
   guideline names and nobody has accepted or dismissed the suggestion yet (most prompts first).
   Last, because they are decided at the patient's next review and have no date of their own; on
   the day a clinic starts using them nearly every patient has some, and dated work must stay on top.

A patient can be listed more than once, once per reason (a plan both overdue and with a draft
asks for two things). Only active patients are listed: discharged, deceased and archived
patients need no review. Two queries, each returning only the rows listed, whatever the size
of the clinic, and the prompts' own count (open_prompt_counts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_, select

from careplan.domain.errors import CarePlanError
from careplan.domain.patient import PatientStatus
from careplan.persistence.engine import Database
from careplan.persistence.models import PatientRow, PlanDraftRow, PlanRow
from careplan.reporting.wording import format_date, local_date
from careplan.services import clock
from careplan.services.patients import DUE_SOON, ReviewState, review_state

log = logging.getLogger(__name__)
_NEVER = datetime.min.replace(tzinfo=UTC)
MAX_DAYS = 365  # a window longer than a year is not "due soon", and a huge one overflows dates


class WorkKind(StrEnum):
    OVERDUE = "overdue"
    DRAFT = "draft"
    NO_PLAN = "no_plan"
    DUE_SOON = "due_soon"
    PROMPTS = "prompts"


URGENCY = (WorkKind.OVERDUE, WorkKind.DRAFT, WorkKind.NO_PLAN, WorkKind.DUE_SOON, WorkKind.PROMPTS)
_FROM_REVIEW = {ReviewState.OVERDUE: WorkKind.OVERDUE, ReviewState.DUE_SOON: WorkKind.DUE_SOON,
                ReviewState.NO_PLAN: WorkKind.NO_PLAN}


class BadWindowError(CarePlanError):
    """The due-soon window asked for is not a number of days the worklist can use."""


@dataclass(frozen=True)
class WorkItem:
    patient_id: int
    mrn: str
    name: str
    kind: WorkKind
    reason: str
    """Why the patient is listed, in plain words: "Review overdue by 12 days"."""
    date: date
    """The review date (overdue, due soon), the day the draft was last saved, the day the patient was added,
    or the day the prompts were checked (today)."""
    days: int
    """`date` minus today: negative in the past (overdue by 12 days is -12), 0 today."""
    author: str | None = None
    """Whose draft (drafts only)."""
    since: datetime | None = None
    """When the draft was last saved, in UTC (drafts only)."""
    count: int = 0
    """How many guideline prompts are open (prompts only)."""


def _plural(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _review_reason(kind: WorkKind, days: int) -> str:
    if kind is WorkKind.OVERDUE:
        return f"Review overdue by {_plural(-days, 'day')}"
    if days == 0:
        return "Review due today"
    if days == 1:
        return "Review due tomorrow"
    return f"Review due in {days} days"


def draft_reason(author: str, saved_at: datetime) -> str:
    local = saved_at.astimezone()
    return f"Unsaved draft by {author} since {format_date(local.date())}, {local:%H:%M}"


def check_window(days: int) -> timedelta:
    if not 0 <= days <= MAX_DAYS:
        raise BadWindowError(f"The due-soon window must be from 0 to {MAX_DAYS} days, not {days}.")
    return timedelta(days=days)


def prompts_reason(count: int) -> str:
    return f"Guideline prompts: {count} open"


def _urgency(item: WorkItem) -> tuple[int, int, date, datetime, str, int]:
    # Within each reason the oldest date comes first: most overdue, oldest draft, longest waiting,
    # soonest due; most open prompts first. Ties go by name, then id, so the order never depends
    # on the database.
    return (URGENCY.index(item.kind), -item.count, item.date, item.since or _NEVER, item.name.casefold(),
            item.patient_id)


def prompt_work(db: Database, *, on: date | None = None) -> list[WorkItem]:
    """Only the `prompts` rows, most prompts first. Apart because evaluating every patient's rules
    costs far more than the dated rows' two queries: the home screen shows those first."""
    items = _prompt_items(db, on or clock.today())
    items.sort(key=_urgency)
    return items


def _prompt_items(db: Database, on: date) -> list[WorkItem]:
    from careplan.services.prompts import open_prompt_counts  # the rules are read only here

    try:
        counts = {pid: n for pid, n in open_prompt_counts(db, on=on).items() if n > 0}
    except CarePlanError as e:
        # A broken rules file must not hide the rest of the worklist; the plan editor names the problem.
        log.warning("guideline prompts not checked for the worklist: %s", str(e).splitlines()[0])
        return []
    if not counts:
        return []
    # Every active patient, kept or not in Python: on the day a clinic starts using the rules nearly
    # all have prompts, and ten thousand ids in an IN cost more than the rows (and can pass SQLite's limit).
    q = select(PatientRow.id, PatientRow.mrn, PatientRow.full_name).where(
        PatientRow.status == PatientStatus.ACTIVE.value)
    with db.reading() as s:
        rows = s.connection().execute(q).all()
    return [WorkItem(pid, mrn, name, WorkKind.PROMPTS, prompts_reason(counts[pid]), on, 0, count=counts[pid])
            for pid, mrn, name in rows if pid in counts]


def worklist(db: Database, *, on: date | None = None, days: int = DUE_SOON.days, prompts: bool = True) -> list[WorkItem]:
    """Everything the worklist shows on day `on` (today by default), most urgent first.

    prompts=False leaves out the `prompts` rows (always last): prompt_work() reads them.
    """
    soon = check_window(days)
    on = on or clock.today()
    active = PatientRow.status == PatientStatus.ACTIVE.value
    plans_q = (
        select(PatientRow.id, PatientRow.mrn, PatientRow.full_name, PatientRow.created_at,
               PlanRow.current_revision, PlanRow.next_review)
        .outerjoin(PlanRow, PlanRow.patient_id == PatientRow.id)
        .where(active, or_(PlanRow.id.is_(None), PlanRow.current_revision == 0, PlanRow.next_review <= on + soon))
    )
    drafts_q = (
        select(PatientRow.id, PatientRow.mrn, PatientRow.full_name, PlanDraftRow.author, PlanDraftRow.saved_at)
        .join(PatientRow, PatientRow.id == PlanDraftRow.patient_id)
        .where(active)
    )
    with db.reading() as s:
        plan_rows = s.execute(plans_q).all()
        draft_rows = s.execute(drafts_q).all()
    items = []
    for pid, mrn, name, created_at, revisions, next_review in plan_rows:
        kind = _FROM_REVIEW.get(review_state(revisions or 0, next_review, on, soon))
        if kind is None:
            continue
        when = local_date(created_at) if kind is WorkKind.NO_PLAN else next_review
        assert when is not None  # overdue and due soon need a review date
        delta = (when - on).days
        reason = "No plan yet" if kind is WorkKind.NO_PLAN else _review_reason(kind, delta)
        items.append(WorkItem(pid, mrn, name, kind, reason, when, delta))
    for pid, mrn, name, author, saved_at in draft_rows:
        when = local_date(saved_at)
        items.append(WorkItem(pid, mrn, name, WorkKind.DRAFT, draft_reason(author, saved_at), when,
                              (when - on).days, author=author, since=saved_at))
    if prompts:
        items += _prompt_items(db, on)
    items.sort(key=_urgency)
    return items
