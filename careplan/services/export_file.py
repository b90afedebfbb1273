"""Reading a CarePlan export file and checking every part of it before anything is written.

Syntax errors name the line and column, schema errors the JSON path, and every revision's hash
chain is recomputed. The layout is documented in docs/export-format.md.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from careplan.domain.errors import CarePlanError, ValidationError
from careplan.domain.patient import Caregiver, OnsetSite, Patient, TeamMember, validate_patient
from careplan.domain.plan import (
    GENESIS_HASH,
    HASH_VERSION,
    PlanContent,
    Revision,
    validate_author,
    validate_content,
    validate_reason,
)
from careplan.domain.team import Role
from careplan.domain.text import quoted
from careplan.paths import resource
from careplan.services.clock import today
from careplan.services.course_exchange import FileAssessment, parse_assessments
from careplan.services.decision_exchange import FileDecision, parse_decisions

FORMAT = "careplan-export"
VERSION = 1
SCHEMA_FILE = resource("export.schema.json")
SHOWN_PROBLEMS = 20


class ImportFileError(CarePlanError):
    """The file cannot be imported; nothing was written."""

    def __init__(self, source: Path, problems: Sequence[str], *, more: bool = False):
        self.problems = [_one_line(p) for p in problems]
        if len(self.problems) == 1 and not more:
            super().__init__(f"{source} cannot be imported, so nothing was written: {self.problems[0]}")
            return
        shown = "\n  ".join(self.problems[:SHOWN_PROBLEMS])
        rest = len(self.problems) - SHOWN_PROBLEMS
        tail = f"\n  ...and {rest}{'+' if more else ''} more." if rest > 0 else ""
        super().__init__(f"{source} cannot be imported, so nothing was written:\n  {shown}{tail}")


def _one_line(text: str) -> str:
    """A problem quotes the file's text: keep it on one printable line, whatever the file holds."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for c in text)


class NewerFormatError(CarePlanError):
    """The file was written by a newer CarePlan."""


class HistoryConflictError(ImportFileError):
    """The file's history of a patient differs from the history already saved."""


# --- reading and checking a file -------------------------------------------------------------

@dataclass(frozen=True)
class FilePatient:
    index: int
    patient: Patient
    revisions: tuple[Revision, ...]
    history_key: str | None = None  # the key newer revision hashes cover; absent in older files
    assessments: tuple[FileAssessment, ...] = ()
    decisions: tuple[FileDecision, ...] = ()  # guideline prompt decisions; absent in older files


# JSON Schema counts 1.0 as an integer; a revision number written as 1.0 is a wrong type here.
_STRICT_TYPES = Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool))
_Validator = jsonschema.validators.extend(Draft202012Validator, type_checker=_STRICT_TYPES)
MAX_DIGITS = 18  # no number in an export comes near this; Python refuses over 4,300 digits anyway


@lru_cache(maxsize=1)
def _validator() -> Any:
    return _Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


class _UnusableNumberError(ValueError):
    """A number JSON allows but no export holds, or one JSON itself does not allow."""


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _UnusableNumberError(text)
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _UnusableNumberError(text)
    return value


def _parse_constant(name: str) -> Any:
    raise _UnusableNumberError(name)


def _number_problem(path: Path, text: str, literal: str) -> str:
    if literal in ("NaN", "Infinity", "-Infinity"):
        return f"{path} holds {literal}, which is not a number JSON allows; nothing was imported."
    pos = text.find(literal)
    where = f" (line {text.count(chr(10), 0, pos) + 1})" if pos >= 0 else ""
    digits = len(literal.lstrip("-"))
    shown = literal if len(literal) <= 20 else literal[:12] + "..."
    if digits > MAX_DIGITS and literal.lstrip("-").isdigit():
        return (f"{path} holds a {digits:,}-digit number{where}, far longer than any number in a CarePlan "
                "export; nothing was imported.")
    return f"{path} holds the number {shown}{where}, too large for any field; nothing was imported."


def _load_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise CarePlanError(f"{path} is a folder; give the export file to import.") from None
    except OSError as e:
        raise CarePlanError(f"Cannot read {path}: {e.strerror}.") from None
    if not raw.strip():
        raise CarePlanError(f"{path} is empty; nothing was imported.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CarePlanError(f"{path} is not UTF-8 text (byte {e.start:,} cannot be read); nothing was imported.") from None
    try:
        return json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except _UnusableNumberError as e:
        raise CarePlanError(_number_problem(path, text, str(e))) from None
    except json.JSONDecodeError as e:
        # A string can only run unterminated to the end of the file.
        cut = e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string")
        hint = " The file looks cut short: was it copied completely?" if cut else ""
        raise CarePlanError(
            f"{path} is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno}).{hint} Nothing was imported."
        ) from None
    except RecursionError:
        raise CarePlanError(f"{path} is nested too deeply to be a CarePlan export; nothing was imported.") from None


_PATTERN_WORDS = {
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "is not a date written as YYYY-MM-DD",
    "^[0-9a-f]{64}$": "is not a SHA-256 hash (64 lower-case hex digits)",
    "^\\S+$": "is not a usable MRN: it cannot be empty or contain spaces",
    "\\S": "is blank: some text is needed here",
    "^[a-z][a-z0-9_]{2,63}$": "is not a guideline rule code (3 to 64 lower-case letters, digits or underscores)",
}


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "array": "a list",
               "object": "a set of fields", "boolean": "true or false", "null": "null"}


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {_short(repr(value), 30)}"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a set of fields"


def _schema_message(e: Any) -> str:
    if e.validator == "maxLength" and isinstance(e.instance, str):
        return f"is {len(e.instance):,} characters long; the limit is {e.validator_value:,}"
    if e.validator == "type":
        types = [e.validator_value] if isinstance(e.validator_value, str) else e.validator_value
        expected = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return f"should be {expected}, but it is {_kind_of(e.instance)}"
    if isinstance(e.instance, list | dict) and e.validator != "required":  # its message would print all of it
        return f"{_kind_of(e.instance)} is not allowed here ({e.validator} {_short(repr(e.validator_value), 60)})"
    if e.validator == "pattern":
        words = _PATTERN_WORDS.get(e.validator_value, "is not a date and time like 2026-03-02T09:15:00+00:00")
        return f"{_short(repr(e.instance))} {words}"
    return _short(e.message)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _path_key(e: Any) -> tuple[tuple[int, Any], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in e.absolute_path)


def _check_header(doc: Any, path: Path) -> None:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CarePlanError(f"{path} is not a CarePlan export (it has no \"format\": \"{FORMAT}\"); nothing was imported.")
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise NewerFormatError(
            f"{path} was made by a newer CarePlan (export format version {version}; this CarePlan reads up to "
            f"version {VERSION}). Update CarePlan to import it; nothing was imported."
        )


def read_export(path: Path) -> list[FilePatient]:
    """Parse and check a whole export file; raises a CarePlanError naming every problem."""
    doc = _load_json(path)
    _check_header(doc, path)
    try:
        errors = sorted(itertools.islice(_validator().iter_errors(doc), 200), key=_path_key)
        if errors:
            raise ImportFileError(path, [f"{e.json_path}: {_schema_message(e)}" for e in errors],
                                  more=len(errors) == 200)
    except RecursionError:
        raise CarePlanError(f"{path} is nested too deeply to be a CarePlan export; nothing was imported.") from None
    problems: list[str] = []
    parsed: list[FilePatient] = []
    first_seen: dict[str, int] = {}
    for i, d in enumerate(doc["patients"]):
        where = f"$.patients[{i}]"
        if d["mrn"] in first_seen:
            problems.append(f"{where}.mrn: {quoted(d['mrn'])} is also the MRN of $.patients[{first_seen[d['mrn']]}]")
        first_seen.setdefault(d["mrn"], i)
        patient = _patient_from(d, where, problems)
        revisions = _revisions_from(d, where, problems)
        assessments = parse_assessments(d, patient, where, problems)
        decisions = parse_decisions(d, where, problems)
        if patient is not None:
            parsed.append(FilePatient(i, patient, revisions, d.get("history_key"), assessments, decisions))
    if problems:
        raise ImportFileError(path, problems)
    return parsed


def _date(value: str | None, where: str, problems: list[str]) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{where}: {quoted(value)} is not a real date")
        return None


def _patient_from(d: dict[str, Any], where: str, problems: list[str]) -> Patient | None:
    p = Patient(
        mrn=d["mrn"], full_name=d["full_name"],
        date_of_birth=_date(d["date_of_birth"], f"{where}.date_of_birth", problems),
        diagnosis_date=_date(d["diagnosis_date"], f"{where}.diagnosis_date", problems),
        onset_site=OnsetSite(d["onset_site"]) if d["onset_site"] else None,
        preferred_language=d["preferred_language"], notes=d["notes"],
        caregivers=[Caregiver(c["name"], c["relationship"], c["phone"], c["email"]) for c in d["caregivers"]],
        care_team=[TeamMember(m["name"], Role(m["role"]), m["phone"]) for m in d["care_team"]],
        onset_date=_date(d.get("onset_date"), f"{where}.onset_date", problems),
        usual_weight_kg=d.get("usual_weight_kg"), height_cm=d.get("height_cm"),
    )
    try:
        validate_patient(p, today=today())
    except ValidationError as e:
        problems.extend(f"{where}.{fp.field}: {fp.message}" for fp in e.problems)
        return None
    return p


def _revisions_from(d: dict[str, Any], where: str, problems: list[str]) -> tuple[Revision, ...]:
    out: list[Revision] = []
    prev = GENESIS_HASH
    for j, r in enumerate(d["revisions"]):
        at = f"{where}.revisions[{j}]"
        name = f"revision {r['number']} of {d['mrn']}"
        if r["number"] != j + 1:
            problems.append(f"{at}.number: expected revision {j + 1}, found {r['number']}: numbers must run 1, 2, 3... with no gaps")
            return ()
        before = len(problems)
        created = _created_at(r["created_at"], f"{at}.created_at", problems)
        start = _date(r["start_date"], f"{at}.start_date", problems)
        review = _date(r["next_review"], f"{at}.next_review", problems)
        for k, it in enumerate(r["items"]):
            _date(it["start_date"], f"{at}.items[{k}].start_date", problems)
        if r["restored_from"] is not None and r["restored_from"] >= r["number"]:
            problems.append(f"{at}.restored_from: {name} cannot restore revision {r['restored_from']}, which comes later")
        if len(problems) > before or created is None:
            return ()
        content = replace(PlanContent.from_dict(r), start_date=start, next_review=review)
        try:
            validate_content(content)
            validate_reason(r["number"], r["reason"])
            validate_author(r["author"])
        except ValidationError as e:
            problems.extend(f"{at}.{fp.field}: {fp.message}" for fp in e.problems)
            return ()
        version = r.get("hash_version", 1)
        if version not in (1, HASH_VERSION) or (version == HASH_VERSION and not d.get("history_key")):
            problems.append(f"{at}.hash_version: {name} uses hash version {version}, which needs the patient's "
                            "history_key; the file was changed after it was exported")
            return ()
        if out and out[-1].hash_version > version:
            problems.append(f"{at}.hash_version: {name} uses an older hash scheme than the revision before it")
            return ()
        rev = Revision(r["number"], created, r["author"], r["reason"], content, r["prev_hash"], r["content_hash"],
                       r["restored_from"], patient_key=d["history_key"] if version == HASH_VERSION else None)
        if rev.prev_hash != prev:
            problems.append(f"{at}.prev_hash: {name} does not link to the revision before it; "
                            "the history in the file is incomplete or was changed")
            return ()
        if rev.compute_hash() != rev.content_hash:
            problems.append(f"{at}.content_hash: {name} does not match its hash; the file was changed after it was exported")
            return ()
        out.append(rev)
        prev = rev.content_hash
    return tuple(out)


def _created_at(value: str, where: str, problems: list[str]) -> datetime | None:
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):  # overflow: e.g. 9999-12-31T23:59:59-01:00 is after year 9999 in UTC
        problems.append(f"{where}: {quoted(value)} is not a real date and time")
        return None
