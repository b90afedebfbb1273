"""Seals: the heads of every hash chain, written to a small file the clinic keeps elsewhere.

A hash chain shows that nothing was changed *unless the whole chain was recomputed*, which
anyone with write access can do. A seal closes that gap: it records, for each plan, its newest
revision's number and hash (keyed by the patient's history key, never a name or an MRN), and
where the audit log stood. `careplan check --against SEAL` then proves that every sealed
revision and audit entry is still there with the same hash: a recomputed chain has other hashes.

The digest is one hash over the seal's content, short enough to write down or read out.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from careplan.domain.errors import CarePlanError
from careplan.domain.plan import canonical_json

FORMAT = "careplan-seal"
VERSION = 1


@dataclass(frozen=True)
class SealedHead:
    revision: int
    hash: str


@dataclass(frozen=True)
class Seal:
    sealed_at: datetime
    schema_version: str | None
    plans: dict[str, SealedHead]  # patient history key -> the plan's newest revision then
    audit: dict[str, Any]  # services.audit_chain.AuditHead.as_json()

    @property
    def when(self) -> str:
        return self.sealed_at.strftime("%Y-%m-%d %H:%M UTC")

    def body(self) -> dict[str, Any]:
        plans = {k: {"revision": h.revision, "hash": h.hash} for k, h in sorted(self.plans.items())}
        return {"plans": plans, "audit": self.audit}

    @property
    def digest(self) -> str:
        return hashlib.sha256(canonical_json(self.body()).encode("utf-8")).hexdigest()

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "sealed_at": self.sealed_at.isoformat(timespec="seconds"),
                "schema_version": self.schema_version, "digest": self.digest, **self.body()}


def write_seal(seal: Seal, path: Path, *, replace: bool = False) -> Path:
    """Write the seal owner-readable only, whole or not at all (temporary file, then rename)."""
    path = path.expanduser().absolute()
    if path.is_dir():
        raise CarePlanError(f"{path} is a folder; give a file name for the seal.")
    if path.exists() and not replace:
        raise CarePlanError(f"{path} already exists; choose another name for the seal.")
    if not path.parent.is_dir():
        raise CarePlanError(f"The folder {path.parent} does not exist; no seal was written.")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(seal.as_json(), f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        raise CarePlanError(f"Cannot write the seal to {path}: {e.strerror}.") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_seal(path: Path) -> Seal:
    """The seal in `path`; CarePlanError naming the problem when it is not a whole, unedited seal."""
    try:
        doc = json.loads(path.expanduser().read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CarePlanError(f"There is no seal at {path}.") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise CarePlanError(f"{path} is not a CarePlan seal: {e}.") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CarePlanError(f"{path} is not a CarePlan seal.")
    if doc.get("version") != VERSION:
        raise CarePlanError(f"{path} is a seal of version {doc.get('version')!r}; this CarePlan reads version {VERSION}.")
    try:
        seal = Seal(datetime.fromisoformat(doc["sealed_at"]), doc["schema_version"],
                    {str(k): SealedHead(int(v["revision"]), str(v["hash"])) for k, v in doc["plans"].items()},
                    dict(doc["audit"]))
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise CarePlanError(f"{path} is a damaged seal ({type(e).__name__}: {e}).") from None
    if seal.digest != doc.get("digest"):
        raise CarePlanError(f"{path} was changed after it was written (its digest does not match its content).")
    return seal
