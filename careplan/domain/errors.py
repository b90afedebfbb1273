"""Errors the core raises with a message a user can act on."""

from __future__ import annotations

from dataclasses import dataclass, field


class CarePlanError(Exception):
    """Base for every error whose message is meant for the user."""


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class ValidationError(CarePlanError):
    """One or more fields are not acceptable; each problem names its field."""

    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))

    def for_field(self, name: str) -> str | None:
        for p in self.problems:
            if p.field == name:
                return p.message
        return None


@dataclass
class Problems:
    """Collects field problems and raises them together."""

    items: list[FieldProblem] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.items.append(FieldProblem(field_name, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationError(list(self.items))
