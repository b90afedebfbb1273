"""The clinic's own details, printed on page 1 of every caregiver printout."""

from __future__ import annotations

from dataclasses import dataclass, fields

# Long enough for any real clinic name, number or address; short enough that page 1 still fits.
CLINIC_FIELD_MAX = 200


@dataclass(frozen=True)
class ClinicSettings:
    name: str = ""
    phone: str = ""
    out_of_hours: str = ""
    address: str = ""

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


CLINIC_FIELDS = tuple(f.name for f in fields(ClinicSettings))
