"""Export and import: patients and their full plan history as one versioned JSON file.

The layout is documented in docs/export-format.md and resources/export.schema.json. An export
is deterministic: the same data always gives the same bytes except for "exported_at". An
import checks the whole file before it writes anything, keeps every revision exactly as it
was saved (author, time, reason, hashes), and writes all of it or none of it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from careplan import __version__
from careplan.domain.errors import CarePlanError
from careplan.domain.patient import Patient
from careplan.domain.plan import (
    Revision,
)
from careplan.persistence.engine import Database
from careplan.persistence.errors import violated_constraint
from careplan.persistence.models import (
    CaregiverRow,
    PatientRow,
    PlanRevisionRow,
    PlanRow,
    RevisionItemRow,
    TeamMemberRow,
)
from careplan.services import audit
from careplan.services.clock import utcnow
from careplan.services.course_exchange import export_assessments, import_assessments
from careplan.services.decision_exchange import export_decisions, import_decisions
from careplan.services.export_file import (  # noqa: F401 (re-exported: the format's public names)
    FORMAT,
    SCHEMA_FILE,
    VERSION,
    FilePatient,
    HistoryConflictError,
    ImportFileError,
    NewerFormatError,
    read_export,
)
from careplan.services.history import (
    Entry,
    HeadMovedError,
    Run,
    append_revisions,
    revision_from_rows,
)
from careplan.services.output_target import check_target, commit_logged, stage
from careplan.services.patients import NotFoundError, search_key, to_domain

CHUNK = 500  # SQLite limits the number of values bound in one IN (...)
CONTACT_FIELDS = ("full_name", "date_of_birth", "diagnosis_date", "onset_site", "preferred_language",
                  "notes", "caregivers", "care_team", "onset_date", "usual_weight_kg", "height_cm")


# --- export ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportResult:
    path: Path
    patients: int
    revisions: int


def export_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so a pipeline can make byte-identical exports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return utcnow()


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _in_chunks(s: Session, make: Callable[[Sequence[int] | None], Any], ids: list[int] | None) -> list[Any]:
    if ids is None:
        return list(s.execute(make(None)))
    return [row for chunk in _chunks(ids) for row in s.execute(make(chunk))]


@contextmanager
def _snapshot(db: Database) -> Iterator[Session]:
    """One consistent view for the whole export, even while coordinators keep saving."""
    if db.is_sqlite:  # a WAL read transaction already is a snapshot
        with db.reading() as s:
            yield s
        return
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, Session(bind=conn) as s:
        yield s


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def revision_to_json(rev: Revision) -> dict[str, Any]:
    return {
        "number": rev.number,
        # Written exactly as it enters the hash, so anyone can re-check the chain from the file.
        "created_at": rev.hash_payload()["created_at"],
        "author": rev.author,
        "reason": rev.reason,
        "restored_from": rev.restored_from,
        **rev.content.to_dict(),
        "prev_hash": rev.prev_hash,
        "content_hash": rev.content_hash,
        "hash_version": rev.hash_version,
    }


def build_export(db: Database, mrns: Sequence[str] = (), *, now: datetime | None = None) -> dict[str, Any]:
    """The export document for the given MRNs, or for every patient when none are given."""
    wanted = sorted(set(mrns))
    with _snapshot(db) as s:
        load = select(PatientRow).options(selectinload(PatientRow.caregivers), selectinload(PatientRow.care_team))
        if wanted:
            rows = [r for chunk in _chunks(wanted) for r in s.scalars(load.where(PatientRow.mrn.in_(chunk)))]
            missing = sorted(set(wanted) - {r.mrn for r in rows})
            if missing:
                raise NotFoundError("No patient has the MRN " + ", ".join(f"'{m}'" for m in missing) + "; nothing was exported.")
        else:
            rows = list(s.scalars(load))
        ids = [r.id for r in rows] if wanted else None

        def revisions_of(chunk: Sequence[int] | None) -> Any:
            q = select(PlanRevisionRow, PlanRow.patient_id).join(PlanRow, PlanRow.id == PlanRevisionRow.plan_id)
            return q.where(PlanRow.patient_id.in_(chunk)) if chunk is not None else q

        def items_of(chunk: Sequence[int] | None) -> Any:
            q = (select(RevisionItemRow).join(PlanRevisionRow, PlanRevisionRow.id == RevisionItemRow.revision_id)
                 .join(PlanRow, PlanRow.id == PlanRevisionRow.plan_id))
            return q.where(PlanRow.patient_id.in_(chunk)) if chunk is not None else q

        revs = _in_chunks(s, revisions_of, ids)
        items: dict[int, list[RevisionItemRow]] = {}
        for (it,) in _in_chunks(s, items_of, ids):
            items.setdefault(it.revision_id, []).append(it)
        patients = [to_domain(r) for r in rows]
        keys = {r.id: r.history_key for r in rows}
        assessments = export_assessments(s, ids)
        decisions = export_decisions(s, ids)
    history: dict[int, list[Revision]] = {}
    for row, patient_id in revs:
        its = sorted(items.get(row.id, []), key=lambda i: i.position)
        history.setdefault(patient_id, []).append(revision_from_rows(row, its, keys.get(patient_id)))
    out = []
    for p in sorted(patients, key=lambda p: p.mrn):
        out.append({
            "mrn": p.mrn,
            "full_name": p.full_name,
            "date_of_birth": _iso(p.date_of_birth),
            "diagnosis_date": _iso(p.diagnosis_date),
            "onset_site": p.onset_site.value if p.onset_site else None,
            "preferred_language": p.preferred_language,
            "notes": p.notes,
            "caregivers": [{"name": c.name, "relationship": c.relationship, "phone": c.phone, "email": c.email}
                           for c in p.caregivers],
            "care_team": [{"name": m.name, "role": m.role.value, "phone": m.phone} for m in p.care_team],
            "history_key": keys.get(p.id or 0),
            "revisions": [revision_to_json(r) for r in sorted(history.get(p.id or 0, []), key=lambda r: r.number)],
            "onset_date": _iso(p.onset_date), "usual_weight_kg": p.usual_weight_kg, "height_cm": p.height_cm,
            "assessments": assessments.get(p.id or 0, []),
            "prompt_decisions": decisions.get(p.id or 0, []),
        })
    stamp = (now or export_time()).astimezone(UTC).isoformat(timespec="seconds")
    return {"format": FORMAT, "version": VERSION, "exported_at": stamp, "app_version": __version__, "patients": out}


def export_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _is_export(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f'"format": "{FORMAT}"'.encode() in f.read(200)
    except OSError:
        return False


def export_to_file(db: Database, out: Path, mrns: Sequence[str] = (), *, actor: str,
                   now: datetime | None = None, force: bool = False) -> ExportResult:
    """Write the export atomically (temporary file, then rename), readable by the owner only.

    An earlier export at `out` is replaced; any other existing file only with force=True, and never
    a database or a backup (services.output_target).
    """
    out = check_target(out, what="the export", db=db, force=force, replaceable=_is_export)
    doc = build_export(db, mrns, now=now)
    revisions = sum(len(p["revisions"]) for p in doc["patients"])
    with stage(out, "the export") as staged:
        staged.file.write(export_text(doc).encode("utf-8"))
        check_target(out, what="the export", db=db, force=force, replaceable=_is_export)
        # The folder is left out: folder names often carry a user's or a patient's name.
        details: dict[str, Any] = {"file": out.name, "patients": len(doc["patients"]), "revisions": revisions}
        if mrns:
            details["mrns"] = [p["mrn"] for p in doc["patients"]]

        def record(s: Session) -> None:
            patient_id = None
            if len(doc["patients"]) == 1:
                patient_id = s.scalar(select(PatientRow.id).where(PatientRow.mrn == doc["patients"][0]["mrn"]))
            audit.record(s, actor, "data.exported", entity="export", entity_key=out.name, patient_id=patient_id,
                         details=details)

        commit_logged(staged, db, record)
    return ExportResult(out, len(doc["patients"]), revisions)


# --- import ----------------------------------------------------------------------------------

@dataclass
class ImportSummary:
    source: Path
    patients_added: list[str] = field(default_factory=list)
    patients_extended: list[str] = field(default_factory=list)
    patients_unchanged: list[str] = field(default_factory=list)
    revisions_added: int = 0
    assessments_added: int = 0
    decisions_added: int = 0
    details_kept: dict[str, list[str]] = field(default_factory=dict)  # MRN -> fields that differ
    database_ahead: dict[str, tuple[int, int]] = field(default_factory=dict)  # MRN -> (database, file)
    dry_run: bool = False

    def lines(self) -> list[str]:
        verb = "Would import" if self.dry_run else "Imported"
        out = [
            f"{verb} {self.source.name}: {len(self.patients_added)} patients added, "
            f"{len(self.patients_extended)} given newer revisions, {len(self.patients_unchanged)} unchanged; "
            f"{self.revisions_added} revisions added"
            + (f", {self.assessments_added} assessments added" if self.assessments_added else "")
            + (f", {self.decisions_added} guideline prompt decisions added" if self.decisions_added else "") + "."
        ]
        for mrn, fields in sorted(self.details_kept.items()):
            words = ", ".join(f.replace("_", " ") for f in fields)
            out.append(f"{mrn}: the file's {words} differ from CarePlan's; CarePlan's details were kept.")
        for mrn, (have, file) in sorted(self.database_ahead.items()):
            out.append(f"{mrn}: CarePlan already has revisions up to {have}, newer than the file's {file}; nothing changed.")
        if self.dry_run:
            out.append("This was a dry run: nothing was written.")
        return out


class _DryRunError(Exception):
    """Raised to roll a dry run back."""


def import_file(db: Database, path: Path, *, actor: str, dry_run: bool = False) -> ImportSummary:
    """Import a whole export file in one transaction, or nothing at all."""
    if db.server_name is not None:
        # A staff login on an initialised server: the server records every row's author as that
        # login's printed name, so history written by others can only arrive through the owner.
        raise CarePlanError(
            "On this shared server importing history is an administrator's task: the clinic's IT runs "
            "`careplan import` as the database's owner, so each revision keeps the author who wrote it. "
            "Nothing was imported.")
    path = path.expanduser().absolute()
    parsed = read_export(path)
    file_sha256 = _sha256_of(path)
    summary = ImportSummary(path, dry_run=dry_run)
    try:
        with db.transaction() as s:
            _import(s, parsed, summary, actor, file_sha256)
            if dry_run:
                raise _DryRunError
    except _DryRunError:
        pass
    except IntegrityError as e:
        if violated_constraint(e) not in ("uq_patients_mrn", "uq_plans_patient_id", "uq_plan_revisions_plan_number"):
            raise
        raise CarePlanError(
            "Someone added a patient or saved a plan that the import touches while it ran; "
            "nothing was imported. Run the import again."
        ) from None
    return summary


def _sha256_of(path: Path) -> str:
    """The imported file's fingerprint, for the audit log: which file a revision came from, beyond its name."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _import(s: Session, parsed: list[FilePatient], summary: ImportSummary, actor: str, file_sha256: str) -> None:
    mrns = [fp.patient.mrn for fp in parsed]
    existing: dict[str, PatientRow] = {}
    for chunk in _chunks(mrns):
        q = select(PatientRow).where(PatientRow.mrn.in_(chunk)).options(
            selectinload(PatientRow.caregivers), selectinload(PatientRow.care_team))
        existing.update((r.mrn, r) for r in s.scalars(q))
    ids = [r.id for r in existing.values()]
    plans: dict[int, tuple[int, int]] = {}
    saved: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        for pid, plan_id, current in s.execute(select(PlanRow.patient_id, PlanRow.id, PlanRow.current_revision)
                                               .where(PlanRow.patient_id.in_(chunk))):
            plans[pid] = (plan_id, current)
        hashes = (select(PlanRow.patient_id, PlanRevisionRow.content_hash)
                  .join(PlanRevisionRow, PlanRevisionRow.plan_id == PlanRow.id)
                  .where(PlanRow.patient_id.in_(chunk)).order_by(PlanRow.patient_id, PlanRevisionRow.number))
        for pid, h in s.execute(hashes):
            saved.setdefault(pid, []).append(h)

    conflicts: list[str] = []
    todo: list[tuple[FilePatient, PatientRow | None, tuple[Revision, ...]]] = []
    for fp in parsed:
        mrn, row = fp.patient.mrn, existing.get(fp.patient.mrn)
        if row is None:
            todo.append((fp, None, fp.revisions))
            continue
        have = saved.get(row.id, [])
        split = next((k for k, (h, rev) in enumerate(zip(have, fp.revisions, strict=False)) if h != rev.content_hash), None)
        if split is not None:
            conflicts.append(
                f"$.patients[{fp.index}].revisions[{split}]: {mrn}, revision {split + 1}: the file's revision differs "
                f"from revision {split + 1} already saved in CarePlan; the two histories have split"
            )
            continue
        old = to_domain(row)
        differ = [f for f in CONTACT_FIELDS if getattr(old, f) != getattr(fp.patient, f)]
        if differ:
            summary.details_kept[mrn] = differ
        if len(have) > len(fp.revisions):
            summary.database_ahead[mrn] = (len(have), len(fp.revisions))
        todo.append((fp, row, fp.revisions[len(have):]))
    if conflicts:
        raise HistoryConflictError(summary.source, conflicts)

    now = utcnow()
    runs: list[Run] = []
    for fp, row, new in todo:
        is_new = row is None
        if row is None:
            row = _new_patient_row(fp.patient, now)
            s.add(row)
            s.flush()
            summary.patients_added.append(fp.patient.mrn)
        added = import_assessments(s, row.id, fp.patient.mrn, fp.assessments)
        summary.assessments_added += added
        decided = import_decisions(s, row.id, fp.decisions)
        summary.decisions_added += decided
        if not (is_new or new or added or decided):
            summary.patients_unchanged.append(fp.patient.mrn)
            continue
        if not is_new:
            summary.patients_extended.append(fp.patient.mrn)
        summary.revisions_added += len(new)
        details: dict[str, Any] = {"file": summary.source.name, "file_sha256": file_sha256,
                                   "revisions_added": len(new), "assessments_added": added, "patient_added": is_new}
        if decided:  # only then: events of imports without decisions read as they always did
            details["decisions_added"] = decided
        if new:  # which revision numbers arrived by this import (they go on top of the plan's head)
            head = plans[row.id][1] if row.id in plans else 0
            details["first_revision"], details["last_revision"] = head + 1, head + len(new)
        if fp.patient.mrn in summary.details_kept:
            details["details_kept"] = summary.details_kept[fp.patient.mrn]
        event = audit.NewEvent(actor, "data.imported", entity="patient", entity_key=fp.patient.mrn,
                               patient_id=row.id, details=details, at=now)
        if not new:  # a patient without a plan: nothing to append, but the import is still recorded
            audit.record_many(s, [event])
            continue
        # The file's revisions go through the same path as a save: renumbered, relinked and rehashed
        # on top of the plan's head, and refused if that gives other hashes than the file's.
        entries = [Entry(r.created_at, r.author, r.reason, r.content, r.restored_from, expected_hash=r.content_hash,
                         hash_version=r.hash_version) for r in new]
        # A patient without a history yet takes the file's key, so the file's hashes hold here too,
        # unless another patient has it (their hashes then differ, and the import is refused).
        key = None
        if fp.history_key:
            owner = s.scalar(select(PatientRow.mrn).where(PatientRow.history_key == fp.history_key))
            if owner not in (None, fp.patient.mrn):
                raise CarePlanError(f"{fp.patient.mrn}: the file's plan history is the one CarePlan keeps for {owner} "
                                    "(an MRN changed, or the file was edited); nothing was imported.")
            key = fp.history_key
        runs.append(Run(row.id, fp.patient.mrn, plans[row.id][1] if row.id in plans else 0, entries, event=event,
                        history_key=key))
    try:
        append_revisions(s, runs)
    except HeadMovedError:
        raise CarePlanError("Someone saved a plan that the import touches while it ran; nothing was imported. "
                            "Run the import again.") from None


def _new_patient_row(p: Patient, now: datetime) -> PatientRow:
    row = PatientRow(
        mrn=p.mrn, full_name=p.full_name, search_name=search_key(p.full_name), date_of_birth=p.date_of_birth,
        diagnosis_date=p.diagnosis_date, onset_site=p.onset_site.value if p.onset_site else None,
        preferred_language=p.preferred_language, notes=p.notes, created_at=now, updated_at=now,
        onset_date=p.onset_date, usual_weight_kg=p.usual_weight_kg, height_cm=p.height_cm,
    )
    row.caregivers = [CaregiverRow(position=i, name=c.name, relationship_=c.relationship, phone=c.phone, email=c.email)
                      for i, c in enumerate(p.caregivers)]
    row.care_team = [TeamMemberRow(position=i, name=m.name, role=m.role.value, phone=m.phone)
                     for i, m in enumerate(p.care_team)]
    return row
