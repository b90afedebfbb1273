"""Signing revisions: "authored" when a revision is saved, "reviewed" or "approved" added later.

A signature is history: append-only in the database (persistence/triggers.py), hash-linked to
its revision and to the signature before it (domain/signature.py), and recorded in the
hash-chained audit log as "plan.signed" with the signature's hash as its entity key. `careplan
check` (signature_problems) recomputes every link and compares signatures with the audit log
both ways, so a forged, altered or removed signature shows. Revisions saved before signatures
existed (schema 0009) have none, and are not asked for one.

Who signs: `signed_by` is the login that signed (the operating-system login on SQLite; on a
shared PostgreSQL server the server's session user stamps it), `printed_name` the name the
person gives, the same name a revision records as its author.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import ColumnElement, Connection, cast, func, insert, select, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careplan.domain.errors import CarePlanError, Problems
from careplan.domain.signature import ADDED_MEANINGS, Meaning, Signature, signature_hash
from careplan.domain.text import field_problem
from careplan.persistence.engine import Database
from careplan.persistence.errors import violated_constraint
from careplan.persistence.models import (
    AuditEventRow,
    PatientRow,
    PlanRevisionRow,
    PlanRow,
    RevisionSignatureRow,
)
from careplan.services import audit
from careplan.services.clock import login_name, utcnow
from careplan.services.patients import NotFoundError

SIGNED = "plan.signed"
SAVE_ACTIONS = ("plan.saved", "plan.restored")  # their details name the "authored" signature
ENTITY = "signature"  # audit entity of a signature event; its entity_key is the signature's hash


def validated_signer(printed_name: str, signed_by: str | None) -> str:
    """The login that signs (default: this computer's login), once both names pass the rules a
    revision's author follows; ValidationError naming the field otherwise."""
    signed_by = (signed_by if signed_by is not None else login_name()).strip()
    problems = Problems()
    for field, value, what in (("printed_name", printed_name, "The printed name"), ("signed_by", signed_by, "The login")):
        if msg := field_problem("revision.author", value):
            problems.add(field, f"{what} on a signature {msg}.")
        elif not value.strip():
            problems.add(field, f"{what} on a signature is empty.")
    problems.raise_if_any()
    return signed_by


def sign_in_session(s: Session, *, patient_id: int, mrn: str, number: int, meaning: Meaning, printed_name: str,
                    signed_by: str | None = None, at: datetime | None = None) -> Signature:
    """Add a signature to revision `number` of the patient's plan inside the caller's transaction."""
    signed_by = validated_signer(printed_name, signed_by)
    printed_name = printed_name.strip()
    rev = s.execute(select(PlanRevisionRow.id, PlanRevisionRow.content_hash)
                    .join(PlanRow, PlanRow.id == PlanRevisionRow.plan_id)
                    .where(PlanRow.patient_id == patient_id, PlanRevisionRow.number == number)).first()
    if rev is None:
        raise NotFoundError(f"{mrn}'s plan has no revision {number}.")
    before = list(s.execute(select(RevisionSignatureRow.meaning, RevisionSignatureRow.signed_by, RevisionSignatureRow.hash)
                            .where(RevisionSignatureRow.revision_id == rev.id).order_by(RevisionSignatureRow.id)))
    if any(m == meaning.value and who == signed_by for m, who, _ in before):
        raise CarePlanError(f"{signed_by} has already signed revision {number} of {mrn}'s plan as {meaning.value}.")
    prev = before[-1].hash if before else rev.content_hash
    at = at or utcnow()
    h = signature_hash(prev_hash=prev, revision_hash=rev.content_hash, meaning=meaning.value, signed_by=signed_by,
                       printed_name=printed_name, signed_at=at)
    s.execute(insert(RevisionSignatureRow).values(revision_id=rev.id, meaning=meaning.value, signed_by=signed_by,
                                                  printed_name=printed_name, signed_at=at, prev_hash=prev, hash=h))
    audit.record(s, printed_name, SIGNED, entity=ENTITY, entity_key=h, patient_id=patient_id, revision=number,
                 details={"meaning": meaning.value, "signed_by": signed_by}, at=at)
    return Signature(number, meaning, signed_by, printed_name, at, h)


def sign(db: Database, patient_id: int, number: int, meaning: Meaning | str, *, printed_name: str,
         signed_by: str | None = None) -> Signature:
    """A clinician's "reviewed" or "approved" on a saved revision ("authored" comes with the save)."""
    chosen = next((m for m in ADDED_MEANINGS if m.value == meaning), None)
    if chosen is None:
        raise CarePlanError("A signature added to a saved revision means reviewed or approved "
                            "(authored is given by saving it).")
    try:
        with db.transaction() as s:
            mrn = s.scalar(select(PatientRow.mrn).where(PatientRow.id == patient_id))
            if mrn is None:
                raise NotFoundError("This patient no longer exists.")
            return sign_in_session(s, patient_id=patient_id, mrn=mrn, number=number, meaning=chosen,
                                   printed_name=printed_name,
                                   signed_by=signed_by if signed_by is not None else db.server_login)
    except IntegrityError as e:
        if violated_constraint(e) != "uq_revision_signatures_prev_hash":
            raise
        raise CarePlanError("Someone else signed this revision at the same moment; nothing was signed. "
                            "Sign again.") from None


def signatures_of(db: Database, patient_id: int) -> dict[int, list[Signature]]:
    """The signatures on each revision of the patient's plan (by revision number), oldest first."""
    q = (select(PlanRevisionRow.number, RevisionSignatureRow)
         .join(PlanRevisionRow, PlanRevisionRow.id == RevisionSignatureRow.revision_id)
         .join(PlanRow, PlanRow.id == PlanRevisionRow.plan_id)
         .where(PlanRow.patient_id == patient_id)
         .order_by(PlanRevisionRow.number, RevisionSignatureRow.id))
    out: dict[int, list[Signature]] = {}
    with db.reading() as s:
        for number, r in s.execute(q):
            out.setdefault(number, []).append(
                Signature(number, Meaning(r.meaning), r.signed_by, r.printed_name, r.signed_at, r.hash))
    return out


# --- checking --------------------------------------------------------------------------------

def signature_problems(conn: Connection, counted: list[int], per_fetch: int) -> Iterator[str]:
    """Every signature's link and hash, then signatures against the audit log (both ways).

    Streams the signatures in revision order, so memory stays flat. Demo (fictional) patients'
    audit entries are outside the audit chain (services/audit_chain.py), so their signatures are
    checked for their links only.
    """
    sig = RevisionSignatureRow.__table__.c
    q = (select(*sig, PlanRevisionRow.content_hash.label("revision_hash"), PlanRevisionRow.number, PatientRow.mrn)
         .join(PlanRevisionRow, PlanRevisionRow.id == sig.revision_id)
         .join(PlanRow, PlanRow.id == PlanRevisionRow.plan_id)
         .join(PatientRow, PatientRow.id == PlanRow.patient_id)
         .order_by(sig.revision_id, sig.id))
    with conn.begin():
        rows = conn.execution_options(yield_per=per_fetch).execute(q)
        for _, group in groupby(rows, key=lambda r: r.revision_id):
            prev: str | None = None
            for r in group:
                counted[0] += 1
                where = f"Plan of {r.mrn}, revision {r.number}, signature {r.id} ({r.meaning} by {r.printed_name})"
                if r.prev_hash != (prev or r.revision_hash):
                    yield f"{where}: does not link to the signature before it (one was removed or added by hand)"
                    break
                if signature_hash(prev_hash=r.prev_hash, revision_hash=r.revision_hash, meaning=r.meaning,
                                  signed_by=r.signed_by, printed_name=r.printed_name, signed_at=r.signed_at) != r.hash:
                    yield f"{where}: its content does not match its hash (it was altered)"
                    break
                prev = r.hash
        yield from _against_audit(conn, per_fetch)


def _detail(conn: Connection, key: str) -> ColumnElement[Any]:
    """A key of the audit details (JSON kept as text), read by the database itself."""
    details = AuditEventRow.__table__.c.details
    if conn.dialect.name == "sqlite":
        return func.json_extract(details, f"$.{key}")
    return cast(details, JSONB)[key].astext


def _against_audit(conn: Connection, per_fetch: int) -> Iterator[str]:
    """Each signature of a real patient is recorded in the hash-chained audit log, and each
    signature the log recorded is there: "authored" in the save's event (details["signature"]),
    the others as "plan.signed" events keyed by the signature's hash."""
    ev, sig = AuditEventRow.__table__.c, RevisionSignatureRow.__table__.c
    authored = _detail(conn, audit.SIGNATURE)
    recorded = union_all(
        select(ev.id, ev.revision, ev.patient_id, ev.entity_key.label("h"))
        .where(ev.action == SIGNED, ev.entity == ENTITY, ev.hash.is_not(None)),
        select(ev.id, ev.revision, ev.patient_id, authored.label("h"))
        .where(ev.action.in_(SAVE_ACTIONS), ev.hash.is_not(None), authored.is_not(None)),
    ).subquery("recorded")
    unrecorded = (select(sig.id, PlanRevisionRow.number, PatientRow.mrn)
                  .join(PlanRevisionRow, PlanRevisionRow.id == sig.revision_id)
                  .join(PlanRow, PlanRow.id == PlanRevisionRow.plan_id)
                  .join(PatientRow, PatientRow.id == PlanRow.patient_id)
                  .outerjoin(recorded, recorded.c.h == sig.hash)
                  .where(PatientRow.fictional.is_(False), recorded.c.h.is_(None)).order_by(sig.id))
    for sid, number, mrn in conn.execution_options(yield_per=per_fetch).execute(unrecorded):
        yield (f"Plan of {mrn}, revision {number}, signature {sid}: the audit log never recorded it "
               "(added outside CarePlan)")
    missing = (select(recorded.c.id, recorded.c.revision, PatientRow.mrn)
               .outerjoin(PatientRow, PatientRow.id == recorded.c.patient_id)
               .outerjoin(RevisionSignatureRow, sig.hash == recorded.c.h)
               .where(sig.id.is_(None)).order_by(recorded.c.id))
    for eid, number, mrn in conn.execution_options(yield_per=per_fetch).execute(missing):
        yield (f"Plan of {mrn}, revision {number}: the signature the audit log recorded in entry {eid} "
               "is missing or was altered")
