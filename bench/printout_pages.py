"""Page counts of the caregiver printout over demo patients, per paper and print size.

Page counts are not timings: the same plans give the same counts on any machine, so a test can
assert the length budget (tests/test_printout_length.py) and scripts/printout_lengths.py prints
the distribution for the README.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

VARIANTS = tuple((large, paper) for large in (False, True) for paper in ("a4", "letter"))
# Issue 15: the median over the demo plans, in pages, on A4 and on Letter alike.
BUDGET = {False: 4, True: 7}


@dataclass(frozen=True)
class Spread:
    large: bool
    paper: str
    pages: tuple[int, ...]

    @property
    def median(self) -> float:
        return float(statistics.median(self.pages))

    def line(self) -> str:
        label = f"{'large' if self.large else 'normal'} {self.paper}"
        return (f"{label:13} median {self.median:4} pages (min {min(self.pages)}, max {max(self.pages)}) "
                f"over {len(self.pages)} plans")


def page_spreads(plans: list, variants: tuple[tuple[bool, str], ...] = VARIANTS) -> list[Spread]:  # PrintablePlan
    """Each plan laid out for each (large print, paper) and its pages counted, nothing written
    (tests/test_printout_length.py checks the count against written printouts)."""
    from careplan.reporting import PdfOptions
    from careplan.reporting.pdf import count_pages

    return [Spread(large, paper, tuple(count_pages(p, PdfOptions(large_print=large, paper=paper)) for p in plans))
            for large, paper in variants]


def demo_plans(db) -> list:  # Database -> list[PrintablePlan]
    from sqlalchemy import select

    from careplan.persistence.models import PatientRow
    from careplan.services.printing import printable_plan

    with db.reading() as s:
        ids = list(s.scalars(select(PatientRow.id).order_by(PatientRow.id)))
    return [printable_plan(db, pid) for pid in ids]
