"""Bringing shipped entries (catalogue items, guideline rules, starter plans) into the clinic's database.

One rule for all three: a new entry is added; an entry the clinic has not edited (its text still
hashes to what was shipped) takes the new shipped text; an entry the clinic edited or wrote
itself is left alone. Each kind says how to hash, add and update its rows (ShippedKind); the sync,
the digest it remembers and the audit line are the same for all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select

from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.persistence.models import AppMetaRow
from careplan.services import audit


class ShippedRow(Protocol):
    custom: bool
    shipped_hash: str | None


E = TypeVar("E")
R = TypeVar("R", bound=ShippedRow)
K = TypeVar("K")  # the kind's row class, a ShippedRow (mypy 1.x refuses the ORM classes for a bound here)


def sync_shipped(rows: dict[str, R], shipped: Iterable[E], *, code: Callable[[E], str], entry_hash: Callable[[E], str],
                 row_hash: Callable[[R], str], add: Callable[[E, str], Any], update: Callable[[R, E], Any]) -> dict[str, int]:
    """Add or update rows from the shipped entries; returns {added, updated, kept_clinic_edits}."""
    counts = {"added": 0, "updated": 0, "kept_clinic_edits": 0}
    for entry in shipped:
        new_hash = entry_hash(entry)
        row = rows.get(code(entry))
        if row is None:
            add(entry, new_hash)
            counts["added"] += 1
        elif row.custom or row.shipped_hash == new_hash:
            continue
        elif row_hash(row) == row.shipped_hash:  # untouched by the clinic
            update(row, entry)
            row.shipped_hash = new_hash
            counts["updated"] += 1
        else:
            counts["kept_clinic_edits"] += 1
    return counts


@dataclass(frozen=True)
class ShippedKind(Generic[E, K]):
    """One kind of shipped entry and its table: what the sync needs to know of them."""

    row_type: type[K]
    synced_key: str  # the app_meta key that remembers the digest of the files last synced
    seeded: str  # the audit action, e.g. "catalogue.seeded"
    entity: str  # the audit entity
    code: Callable[[E], str]
    entry_hash: Callable[[E], str]
    row_hash: Callable[[K], str]
    new_row: Callable[[E, str], K]  # the row for a new entry, given its hash
    update: Callable[[K, E], None]  # writes the new shipped text into a row the clinic left alone


def sync_kind(db: Database, kind: ShippedKind[E, Any], entries: Iterable[E], *, actor: str,
              digest: str | None) -> dict[str, int]:
    """Sync one kind in one transaction, remembering the files' digest (when given) and auditing a change."""
    with db.transaction() as s:
        if digest is not None:
            s.merge(AppMetaRow(key=kind.synced_key, value=digest))
        rows = {r.code: r for r in s.scalars(select(kind.row_type))}
        counts = sync_shipped(rows, entries, code=kind.code, entry_hash=kind.entry_hash, row_hash=kind.row_hash,
                              add=lambda e, h: s.add(kind.new_row(e, h)), update=kind.update)
        if counts["added"] or counts["updated"]:
            audit.record(s, actor, kind.seeded, entity=kind.entity, details=counts)
    return counts


def set_fields(row: object, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def files_digest(*paths: Traversable) -> str:
    """SHA-256 over the shipped files (data and schema): what the database remembers it synced."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def changed_since_synced(db: Database, key: str, *paths: Traversable) -> str | None:
    """The files' digest when they differ from the ones last synced (under `key`), else None.

    The start-up path: parsing and validating a shipped file costs tens of milliseconds, every start.
    """
    try:
        digest = files_digest(*paths)
    except OSError as e:
        raise CarePlanError(f"Cannot read the shipped file: {e}") from None
    with db.reading() as s:
        return None if s.scalar(select(AppMetaRow.value).where(AppMetaRow.key == key)) == digest else digest
