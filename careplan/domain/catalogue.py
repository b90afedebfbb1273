"""Treatment catalogue items: each written once for the clinic and once for the caregiver."""

from __future__ import annotations

from dataclasses import dataclass

from careplan.domain.disciplines import Discipline
from careplan.domain.team import Role


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    discipline: Discipline
    title: str
    clinical_description: str
    caregiver_instructions: str
    frequency: str
    role: Role
    source: str
    safety_notes: str = ""
    active: bool = True
    custom: bool = False
    # The stored row's version when this was read (0: not from the database). A save names it, and
    # is refused if someone else saved the item since: two coordinators never overwrite each other unseen.
    version: int = 0
