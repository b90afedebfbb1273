"""What the printout is made from and what writing one returns; importing this loads no ReportLab.

Names: the "printout" is the caregivers' PDF; an "export" is the JSON file of patients and history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from careplan.domain.clinic import ClinicSettings
from careplan.domain.diff import PlanDiff
from careplan.domain.errors import CarePlanError
from careplan.domain.patient import Patient
from careplan.domain.plan import Revision

PAPER_SIZES = ("a4", "letter")

ProgressCallback = Callable[[int], None]
"""Called with a percentage, 0 to 100, from the thread that writes the printout."""


class PdfExportError(CarePlanError):
    """The printout could not be written; the message names the file and what to do."""


@dataclass(frozen=True)
class PrintablePlan:
    patient: Patient
    revision: Revision
    changes: PlanDiff | None  # None: no "What changed" section (revision 1)
    generated_on: date
    clinic_name: str = ""  # kept for callers that pass only a name; `clinic.name` wins when set
    clinic: ClinicSettings = field(default_factory=ClinicSettings)
    replaced_by: Replacement | None = None  # set when a newer revision exists

    @property
    def clinic_details(self) -> ClinicSettings:
        if self.clinic.name.strip() or not self.clinic_name.strip():
            return self.clinic
        return ClinicSettings(self.clinic_name, self.clinic.phone, self.clinic.out_of_hours, self.clinic.address)


@dataclass(frozen=True)
class Replacement:
    """The revision that replaced the one being printed: printed on every page of an old copy."""

    number: int
    created_at: datetime


@dataclass(frozen=True)
class PdfOptions:
    large_print: bool = False
    paper: str = "a4"

    def __post_init__(self) -> None:
        paper = self.paper.strip().lower()
        if paper not in PAPER_SIZES:
            raise PdfExportError(f"The paper size '{self.paper}' is not available; choose A4 or Letter.")
        object.__setattr__(self, "paper", paper)


@dataclass(frozen=True)
class PdfResult:
    path: Path
    pages: int
    warnings: list[str] = field(default_factory=list)
    # The warning about characters no installed font has (also in `warnings`): they print as
    # empty boxes, so the app asks before sending such pages to a printer.
    unprintable: str = ""
