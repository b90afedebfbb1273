"""The clinic's guideline rules: seeded from the shipped file, then the clinic's own to edit.

Like the catalogue (services/catalogue.py): rules are never deleted, only retired; an app
upgrade adds new rules and updates the ones the clinic has not touched, and a rule the clinic
edited keeps the clinic's version. A clinic edits by importing a rules file checked with the
same schema and the same condition checks as the shipped one.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.domain.errors import CarePlanError
from careplan.domain.guidelines import Rule
from careplan.paths import resource
from careplan.persistence.engine import Database
from careplan.persistence.models import CatalogueItemRow, GuidelineRuleRow
from careplan.services import audit
from careplan.services.catalogue import shipped_catalogue
from careplan.services.clock import utcnow
from careplan.services.shipped_sync import (
    ShippedKind,
    changed_since_synced,
    files_digest,
    set_fields,
    sync_kind,
)

RULES_FILE = resource("rules.yaml")
SCHEMA_FILE = resource("rules.schema.json")
SYNCED_KEY = "rules_file_sha256"
TEXT_FIELDS = ("title", "rationale", "source")


def parse_rules_text(text: str, source_name: str, catalogue_codes: set[str]) -> list[Rule]:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # Imported here: YAML and jsonschema are slow to import, and start-up rarely needs them.
    from careplan.domain.rules_parse import parse_rules

    return parse_rules(text, source_name, schema, catalogue_codes)


def load_rules_file(path: Traversable | Path = RULES_FILE, *, catalogue_codes: set[str] | None = None) -> list[Rule]:
    """Parse and check a rules file; raises RulesFileError naming file, line and rule."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CarePlanError(f"Cannot read the rules file {path}: {e}") from None
    codes = catalogue_codes if catalogue_codes is not None else {i.code for i in shipped_catalogue()}
    return parse_rules_text(text, str(path), codes)


@lru_cache(maxsize=1)
def shipped_rules() -> tuple[Rule, ...]:
    return tuple(load_rules_file())


def to_domain(r: GuidelineRuleRow) -> Rule:
    return Rule(code=r.code, title=r.title, when=json.loads(r.when_json), suggests=tuple(json.loads(r.suggests_json)),
                rationale=r.rationale, source=r.source, revisit=r.revisit, active=r.active, custom=r.custom,
                version=r.version_id)


def _row_values(rule: Rule) -> dict[str, Any]:
    return {"title": rule.title, "when_json": json.dumps(rule.when, sort_keys=True, ensure_ascii=False),
            "suggests_json": json.dumps(list(rule.suggests)), "rationale": rule.rationale, "source": rule.source,
            "revisit": rule.revisit}


def shipped_file_digest() -> str:
    return files_digest(RULES_FILE, SCHEMA_FILE)


SHIPPED: ShippedKind[Rule, GuidelineRuleRow] = ShippedKind(
    GuidelineRuleRow, SYNCED_KEY, "rules.seeded", "rules", code=lambda r: r.code, entry_hash=Rule.text_hash,
    row_hash=lambda row: to_domain(row).text_hash(),
    new_row=lambda r, h: GuidelineRuleRow(code=r.code, **_row_values(r), active=r.active, custom=False,
                                          shipped_hash=h),
    update=lambda row, r: set_fields(row, _row_values(r)))


def sync_shipped_rules_if_changed(db: Database) -> dict[str, int] | None:
    """Start-up path (after the catalogue's): sync only when the shipped file changed since the last sync."""
    digest = changed_since_synced(db, SYNCED_KEY, RULES_FILE, SCHEMA_FILE)
    return None if digest is None else sync_rules(db, _digest=digest)


def sync_rules(db: Database, rules: list[Rule] | tuple[Rule, ...] | None = None, *, actor: str = "CarePlan",
               _digest: str | None = None) -> dict[str, int]:
    """Bring the shipped rules into the database without overwriting the clinic's edits."""
    if rules is None:
        rules = shipped_rules()
        _digest = _digest or shipped_file_digest()
    return sync_kind(db, SHIPPED, rules, actor=actor, digest=_digest)


def list_rules(db: Database, *, include_retired: bool = False) -> list[Rule]:
    with db.reading() as s:
        return rules_in(s, include_retired=include_retired)


def rules_in(s: Session, *, include_retired: bool = False) -> list[Rule]:
    """The rules as stored, in the order they were first added (the shipped file's order)."""
    q = select(GuidelineRuleRow).order_by(GuidelineRuleRow.id)
    if not include_retired:
        q = q.where(GuidelineRuleRow.active.is_(True))
    return [to_domain(r) for r in s.scalars(q)]


def get_rule(db: Database, code: str) -> Rule:
    with db.reading() as s:
        row = s.scalar(select(GuidelineRuleRow).where(GuidelineRuleRow.code == code))
    if row is None:
        raise CarePlanError(f"There is no guideline rule '{code}' (see `careplan rules`).")
    return to_domain(row)


def import_rules(db: Database, path: Path, *, actor: str) -> dict[str, int]:
    """Add or edit rules from a file (checked like the shipped one, against this clinic's catalogue).

    All or nothing: a file with any problem changes nothing. Rules the file leaves out are kept.
    """
    with db.reading() as s:
        codes = set(s.scalars(select(CatalogueItemRow.code)))
    rules = load_rules_file(path, catalogue_codes=codes)
    counts = {"added": 0, "edited": 0, "unchanged": 0}
    with db.transaction() as s:
        rows = {r.code: r for r in s.scalars(select(GuidelineRuleRow))}
        for rule in rules:
            row = rows.get(rule.code)
            if row is None:
                s.add(GuidelineRuleRow(code=rule.code, **_row_values(rule), active=rule.active, custom=True,
                                       shipped_hash=None, edited_by=actor, edited_at=utcnow()))
                audit.record(s, actor, "rule.added", entity="rule", entity_key=rule.code)
                counts["added"] += 1
                continue
            before = to_domain(row)
            if before.text_hash() == rule.text_hash() and before.active == rule.active:
                counts["unchanged"] += 1
                continue
            for k, v in _row_values(rule).items():
                setattr(row, k, v)
            row.active = rule.active
            row.edited_by, row.edited_at = actor, utcnow()
            changed = sorted(k for k in ("title", "when", "suggests", "rationale", "source", "revisit", "active")
                             if getattr(before, k) != getattr(rule, k))
            audit.record(s, actor, "rule.edited", entity="rule", entity_key=rule.code, details={"fields": changed})
            counts["edited"] += 1
    return counts


def set_rule_active(db: Database, code: str, active: bool, *, actor: str) -> bool:
    """Retire (active=False) or bring back a rule; decisions on it are kept. False if nothing changed."""
    with db.transaction() as s:
        row = s.scalar(select(GuidelineRuleRow).where(GuidelineRuleRow.code == code))
        if row is None:
            raise CarePlanError(f"There is no guideline rule '{code}' (see `careplan rules`).")
        if row.active == active:
            return False
        row.active = active
        row.edited_by, row.edited_at = actor, utcnow()
        audit.record(s, actor, "rule.reactivated" if active else "rule.retired", entity="rule", entity_key=code)
    return True


def _readable(cond: Any) -> Any:
    """A condition with `fact` first, as a person writes it (the database stores keys sorted)."""
    if isinstance(cond, dict):
        return {k: _readable(cond[k]) for k in sorted(cond, key=lambda k: (k != "fact", k))}
    return [_readable(c) for c in cond] if isinstance(cond, list) else cond


def rules_as_yaml(rules: list[Rule]) -> str:
    """The rules in the file format `careplan rules import` reads: export, edit, import."""
    import yaml

    data = {"format": 1, "rules": [
        {"code": r.code, "title": r.title, "when": _readable(r.when), "suggests": list(r.suggests), "rationale": r.rationale,
         "source": r.source, **({"revisit": True} if r.revisit else {}), **({} if r.active else {"active": False})}
        for r in rules]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
