"""Guideline rules: a condition over named facts, the catalogue items it suggests, and why.

Conditions are data, never code. The forms:

    {all: [COND, ...]}   {any: [COND, ...]}   {not: COND}
    {fact: NAME, [item: N | codes: [CODE, ...] | measure: M,] OPERATOR: VALUE}
    {plan_has: [CODE, ...]}    any of the codes is in the plan, in any status
    {plan_lacks: [CODE, ...]}  none of them is, in any status ("offered but declined" counts as there)

Operators: below, at_most, above, at_least (numbers); equals; in (a list); missing: true (the
record does not hold the fact). A fact the record lacks makes every other comparison false.

Evaluation is pure and never changes a plan: it says which rules hold for the facts and which
facts made them hold (careplan.domain.guideline_facts).
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, NamedTuple

from careplan.domain.course import ITEM_COUNT, KINGS_STAGES
from careplan.domain.guideline_facts import FACTS, MEASURES, PatientFacts, fact_key
from careplan.domain.plan import ItemStatus

COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "below": operator.lt, "at_most": operator.le, "above": operator.gt, "at_least": operator.ge,
}
OPERATORS = (*COMPARE, "equals", "in", "missing")
GROUPS = ("all", "any", "not")
PLAN_TESTS = ("plan_has", "plan_lacks")
PARAMS = {"item": "item", "codes": "codes", "measure": "measure"}


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    when: Mapping[str, Any]
    suggests: tuple[str, ...]
    rationale: str
    source: str
    # True: the suggested items being in the plan does not settle the prompt; it asks to go over
    # them again (advance care planning each year), and accepting dates them anew.
    revisit: bool = False
    active: bool = True
    custom: bool = False
    version: int = 0

    def text_hash(self) -> str:
        """What a decision remembers of the rule: any change to what it says brings prompts back."""
        return self._text_hash

    @cached_property
    def test(self) -> Test:
        """The condition, compiled: whether it holds for the facts, and what made it hold."""
        return compile_condition(self.when)

    @cached_property
    def _text_hash(self) -> str:  # one rule is settled for every patient on the worklist
        data = {"title": self.title, "when": self.when, "suggests": list(self.suggests),
                "rationale": self.rationale, "source": self.source, "revisit": self.revisit}
        return _sha(json.dumps(data, sort_keys=True, ensure_ascii=False))


# Triggered, Finding, Decision and Settled are named tuples, not dataclasses: the worklist makes
# them for every rule that holds for every patient, and a tuple is several times cheaper to build.
class Triggered(NamedTuple):
    """One fact that made a rule hold, as the coordinator reads it."""

    what: str
    value: str
    on: date | None
    fingerprint: str


class Finding(NamedTuple):
    rule: Rule
    triggers: tuple[Triggered, ...]

    @property
    def facts_hash(self) -> str:
        return _sha("\n".join(sorted({t.fingerprint for t in self.triggers})))


class Decision(NamedTuple):
    rule: str
    decision: str  # "accepted" or "dismissed"
    rule_hash: str
    facts_hash: str
    actor: str
    at: datetime
    reason: str


class Settled(NamedTuple):
    state: str  # "open", "accepted" or "dismissed"
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None


def _status_label(status: str) -> str:
    try:
        return ItemStatus(status).label.lower()  # "offered but declined"
    except ValueError:
        return status


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- checking a condition ---------------------------------------------------------------------

def condition_problems(cond: Any, known_codes: Iterable[str], path: Sequence[Any] = ()) -> list[tuple[list[Any], str]]:
    """Every reason `cond` cannot be evaluated, each with the path (into the condition) it is at."""
    codes = set(known_codes)
    out: list[tuple[list[Any], str]] = []
    _check(cond, codes, list(path), out)
    return out


def _check(cond: Any, codes: set[str], path: list[Any], out: list[tuple[list[Any], str]]) -> None:
    if not isinstance(cond, dict):
        out.append((path, f"a condition must be a set of fields such as {{fact: fvc_percent, below: 50}}; "
                          f"it is {_kind(cond)}."))
        return
    forms = [k for k in cond if k in (*GROUPS, *PLAN_TESTS, "fact")]
    if len(forms) != 1:
        named = ", ".join(map(str, cond)) or "nothing"
        out.append((path, f"a condition needs exactly one of all, any, not, plan_has, plan_lacks or fact; "
                          f"this one has {named}."))
        return
    form = forms[0]
    extra = [k for k in cond if k != form] if form != "fact" else []
    for k in extra:
        out.append(([*path, k], f"'{k}' cannot stand beside '{form}'; put it in a condition of its own."))
    if form in ("all", "any"):
        parts = cond[form]
        if not isinstance(parts, list) or not parts:
            out.append(([*path, form], f"'{form}' takes a list of at least one condition."))
            return
        for i, part in enumerate(parts):
            _check(part, codes, [*path, form, i], out)
    elif form == "not":
        _check(cond["not"], codes, [*path, "not"], out)
    elif form in PLAN_TESTS:
        _check_codes(cond[form], codes, [*path, form], out)
    else:
        _check_fact(cond, codes, path, out)


def _check_codes(value: Any, codes: set[str], path: list[Any], out: list[tuple[list[Any], str]]) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value):
        out.append((path, "takes a list of catalogue codes, e.g. [resp_niv]."))
        return
    for c in value:
        if c not in codes:
            out.append((path, f"'{c}' is not a catalogue code."))


def _check_fact(cond: dict[str, Any], codes: set[str], path: list[Any], out: list[tuple[list[Any], str]]) -> None:
    name = cond["fact"]
    spec = FACTS.get(name) if isinstance(name, str) else None
    if spec is None:
        out.append(([*path, "fact"], f"{name!r} is not a known fact; use one of: {', '.join(FACTS)}."))
        return
    for key in cond:
        if key not in ("fact", *OPERATORS, *PARAMS):
            out.append(([*path, key], f"'{key}' is not an operator or a parameter of a fact "
                                      f"(operators: {', '.join(OPERATORS)})."))
    for key in PARAMS:
        if key in cond and key != spec.param:
            out.append(([*path, key], f"the fact {name} takes no '{key}'."))
    if spec.param == "item":
        n = cond.get("item")
        if not (isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= ITEM_COUNT):
            out.append(([*path, "item" if "item" in cond else "fact"],
                        f"{name} needs 'item', an ALSFRS-R item number from 1 to {ITEM_COUNT}."))
    elif spec.param == "codes":
        if "codes" not in cond:
            out.append(([*path, "fact"], f"{name} needs 'codes', a list of catalogue codes."))
        else:
            _check_codes(cond["codes"], codes, [*path, "codes"], out)
    elif spec.param == "measure" and not (isinstance(cond.get("measure"), str) and cond["measure"] in MEASURES):
        out.append(([*path, "measure" if "measure" in cond else "fact"],
                    f"{name} needs 'measure', one of: {', '.join(MEASURES)}."))
    ops = [k for k in cond if k in OPERATORS]
    if len(ops) != 1:
        out.append(([*path, "fact"], f"a fact needs exactly one operator ({', '.join(OPERATORS)}); "
                                     f"this one has {len(ops)}."))
        return
    op, value = ops[0], cond[ops[0]]
    problem = _operand_problem(spec.kind, op, value)
    if problem:
        out.append(([*path, op], problem))


def _operand_problem(kind: str, op: str, value: Any) -> str | None:
    if op == "missing":
        return None if value is True else "'missing' only takes true."
    if op in COMPARE:
        if kind != "number":
            return f"'{op}' compares numbers, and this fact is {'a stage' if kind == 'stage' else 'true or false'}."
        return None if _is_number(value) else f"'{op}' needs a number; it is {_kind(value)}."
    values = value if op == "in" else [value]
    if op == "in" and (not isinstance(value, list) or not value):
        return "'in' takes a non-empty list of values."
    for v in values:
        if kind == "number" and not _is_number(v):
            return f"this fact is a number; {_kind(v)} can never match."
        if kind == "stage" and v not in KINGS_STAGES:
            return f"{v!r} is not a King's stage; use one of: {', '.join(KINGS_STAGES)}."
        if kind == "flag" and not isinstance(v, bool):
            return f"this fact is true or false; {_kind(v)} can never match."
    return None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return f"{str(v).lower()} (yes/no)"
    if _is_number(v):
        return f"the number {v}"
    if isinstance(v, str):
        return f"the text {v!r}"
    return "a list" if isinstance(v, list) else "a set of fields" if isinstance(v, dict) else "empty"


# --- evaluating ----------------------------------------------------------------------------------

Test = Callable[[PatientFacts], tuple[bool, tuple[Triggered, ...]]]
_FALSE: tuple[bool, tuple[Triggered, ...]] = (False, ())


def holds(cond: Mapping[str, Any], facts: PatientFacts) -> tuple[bool, tuple[Triggered, ...]]:
    """Whether the (checked) condition holds, and the facts that made it hold."""
    return compile_condition(cond)(facts)


def compile_condition(cond: Mapping[str, Any]) -> Test:
    """The (checked) condition as a function of the facts. Built once per rule (Rule.test): the
    worklist tests every rule on every patient, and reading the condition's fields each time
    cost more than the facts themselves."""
    if "all" in cond:
        return _all([compile_condition(part) for part in cond["all"]])
    if "any" in cond:
        return _any([compile_condition(part) for part in cond["any"]])
    if "not" in cond:
        inner = compile_condition(cond["not"])
        return lambda facts: (not inner(facts)[0], ())
    if "plan_has" in cond:
        return _plan_has(list(cond["plan_has"]))
    if "plan_lacks" in cond:
        return _plan_lacks(list(cond["plan_lacks"]))
    return _fact_test(cond)


def _all(parts: list[Test]) -> Test:
    def test(facts: PatientFacts) -> tuple[bool, tuple[Triggered, ...]]:
        found: list[Triggered] = []
        for part in parts:
            ok, why = part(facts)
            if not ok:
                return _FALSE
            found += why
        return True, tuple(found)
    return test


def _any(parts: list[Test]) -> Test:
    def test(facts: PatientFacts) -> tuple[bool, tuple[Triggered, ...]]:
        results = [part(facts) for part in parts]  # every part: each one that holds is shown
        return any(ok for ok, _ in results), tuple(t for ok, ts in results if ok for t in ts)
    return test


def _plan_has(codes: list[str]) -> Test:
    def test(facts: PatientFacts) -> tuple[bool, tuple[Triggered, ...]]:
        present = facts.plan_codes()
        there = [c for c in codes if c in present]
        return bool(there), tuple(Triggered("In the plan", f"{c} ({present[c]})", None, f"has:{c}") for c in there)
    return test


def _plan_lacks(codes: list[str]) -> Test:
    lacking = (True, (Triggered("Not in the plan", ", ".join(codes), None, f"lacks:{','.join(codes)}"),))

    def test(facts: PatientFacts) -> tuple[bool, tuple[Triggered, ...]]:
        present = facts.plan_codes()
        return _FALSE if any(c in present for c in codes) else lacking
    return test


def _fact_test(cond: Mapping[str, Any]) -> Test:
    spec = FACTS[cond["fact"]]
    param = cond.get(spec.param) if spec.param else None
    key = fact_key(spec.name, param)
    label = _label(spec.label, spec.param, param)
    op = next(k for k in cond if k in OPERATORS)
    if op == "missing":
        missing = (True, (Triggered(label, "not recorded", None, f"{spec.name}:{param}:missing"),))
        return lambda facts: missing if facts.read(key, spec.name, param) is None else _FALSE
    compare = _comparison(op, cond[op])

    def test(facts: PatientFacts) -> tuple[bool, tuple[Triggered, ...]]:
        fact = facts.read(key, spec.name, param)
        if fact is None or not compare(fact.value):
            return _FALSE
        return True, (Triggered(label, fact.shown, fact.on, fact.fingerprint),)
    return test


def _comparison(op: str, expected: Any) -> Callable[[Any], bool]:
    if op in COMPARE:
        cmp = COMPARE[op]
        return lambda v: isinstance(v, int | float) and not isinstance(v, bool) and cmp(v, expected)
    if op == "in":
        return lambda v: v in expected
    return lambda v: bool(v == expected)


def _label(label: str, param_kind: str | None, param: Any) -> str:
    if param_kind == "item":
        return f"{label} {param}"
    if param_kind == "codes":
        return f"{label} ({', '.join(param)})"
    if param_kind == "measure":
        return f"{label} ({MEASURES.get(str(param), param)})"
    return label


def evaluate(rules: Iterable[Rule], facts: PatientFacts) -> list[Finding]:
    """The active rules that hold for `facts`, in the order given, each with what triggered it."""
    found = []
    for rule in rules:
        if not rule.active:
            continue
        ok, why = rule.test(facts)
        if ok:
            found.append(Finding(rule, why))
    return found


def settle(finding: Finding, facts: PatientFacts, decisions: Sequence[Decision]) -> Settled:
    """Where a prompt stands: the latest decision made on this rule text and these facts, else
    decided by the plan itself when every suggested item is there (in any status), else open."""
    on_rule = [d for d in decisions if d.rule == finding.rule.code]
    if on_rule:  # hashing the facts is for rules someone decided on
        rule_hash, facts_hash = finding.rule.text_hash(), finding.facts_hash
        for d in sorted(on_rule, key=lambda d: d.at, reverse=True):
            if d.rule_hash == rule_hash and d.facts_hash == facts_hash:
                return Settled(d.decision, d.actor, d.at, d.reason)
    present = facts.plan_codes()
    if not finding.rule.revisit and finding.rule.suggests and all(c in present for c in finding.rule.suggests):
        listed = ", ".join(f"{c} ({_status_label(present[c])})" for c in finding.rule.suggests)
        return Settled("accepted", None, None, f"Already in the plan: {listed}.")
    return Settled("open")
