"""The printout's words: dates, change sentences and fixed texts, as plain text (no markup)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from careplan.domain.diff import GOAL_ORDER, FieldChange, PlanDiff
from careplan.domain.plan import FREQUENCY_CHOICES, ItemStatus, PlanItem, PlanStatus

if TYPE_CHECKING:
    from careplan.reporting.model import PrintablePlan

# Month names are spelled out here: strftime("%B") follows the process locale, which Qt sets
# from the desktop, and the printout is written in English.
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

NOT_MEDICAL_ADVICE = "This plan does not replace the advice of your care team."
MEDICATION_TEXT = "Give as your doctor prescribed."
# For a medicine the clinic gives itself (printout_short.yaml, given_at_clinic).
CLINIC_GIVES_TEXT = "Given at the clinic, not at home."
EMERGENCY = "In an emergency, call your local emergency number first."
SUPPLEMENT_CAVEAT = ("These may not help: trials have not shown a benefit for all of them. Ask the care "
                     "team before starting or stopping one.")
NO_INSTRUCTIONS = "Your care team will show you what to do."
ASK_HOW_OFTEN = "Ask your care team."
STATUS_MARKS = {ItemStatus.DECLINED: "Offered but declined", ItemStatus.STOPPED: "Stopped"}
# What to do now, first thing in every item: the status in words a carer acts on.
DO_NOW = {
    ItemStatus.PLANNED: "Start this",
    ItemStatus.ACTIVE: "Keep doing this",
    ItemStatus.ON_HOLD: "On hold: do not do this for now. The care team will tell you when to start again",
    ItemStatus.COMPLETED: "Done: nothing more to do",
    ItemStatus.STOPPED: "Stopped: do not do this",
    ItemStatus.DECLINED: "You said no to this: tell us if you change your mind",
}
_STATUS_BY_LABEL = {s.label: s for s in ItemStatus}
# An item's status changed: what that asks of the carer now.
_STATUS_CHANGED = {
    ItemStatus.PLANNED: "Start this.",
    ItemStatus.ACTIVE: "Keep doing this.",
    ItemStatus.ON_HOLD: "Stop this for now, until the care team tells you to start again.",
    ItemStatus.COMPLETED: "This is done: nothing more to do.",
    ItemStatus.STOPPED: "Stop doing this.",
    ItemStatus.DECLINED: "You said no to this. Tell us if you change your mind.",
}
SHAPING_WARNING = (
    "Some text is in a script whose letters must be joined, combined or set right to left (such as "
    "Arabic, Hebrew, Devanagari or Thai), but this copy of CarePlan lacks the uharfbuzz and python-bidi "
    "packages that do it: those parts print with unjoined letters in typing order, left to right. "
    "Please check them before handing the plan out, or reinstall CarePlan."
)

# Fields a caregiver never sees on the printout, so their changes are not reported there.
_HIDDEN_FIELDS = frozenset({"clinical_description", "notes", "catalogue_code"})
_LONG_VALUE = 200


def format_date(d: date | None, empty: str = "Not set") -> str:
    if d is None:
        return empty
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def format_date_short(d: date | None, empty: str = "not recorded") -> str:
    """'5 Dec 1973': for the footer, where a large-print line has room for little."""
    return empty if d is None else f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}"


def local_date(moment: datetime) -> date:
    """The calendar date of a stored UTC time on this computer's clock."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().date()


def _iso_to_words(value: str) -> str:
    try:
        return format_date(date.fromisoformat(value))
    except ValueError:
        return value


def times_per_day(frequency: str) -> int:
    """How many tick boxes a daily item gets per day on the checklist."""
    f = frequency.lower()
    if "twice" in f:
        return 2
    words = {"three": 3, "four": 4, "five": 5, "six": 6}
    m = re.search(r"\b(\d+|three|four|five|six)\s+times\b", f)
    if m:
        n = words.get(m.group(1)) or int(m.group(1))
        return max(1, min(n, 6))
    return 1


def item_change_sentences(changes: tuple[FieldChange, ...], item: PlanItem) -> list[str]:
    """What changed in one item, as a person would say it; fields a carer never sees are skipped."""
    out = []
    for fc in changes:
        if fc.field in _HIDDEN_FIELDS:
            continue
        sentence = _item_change(fc)
        if len(sentence) > _LONG_VALUE + 60:  # a long typed value is read in the item itself
            sentence = f"{fc.label} has changed: see the item."
        out.append(sentence)
    return out


def _lower_first(text: str) -> str:
    """'Daily' reads as 'daily' mid-sentence; typed text is printed exactly as typed."""
    return text.lower() if text in FREQUENCY_CHOICES else text


def _item_change(fc: FieldChange) -> str:
    before, after = fc.before.strip(), fc.after.strip()
    if fc.field == "caregiver_instructions":
        return "The instructions have changed: please read them again."
    if fc.field == "status":
        now = _STATUS_BY_LABEL.get(after)
        if now is ItemStatus.ACTIVE and _STATUS_BY_LABEL.get(before) is ItemStatus.ON_HOLD:
            return "Start this again."
        return _STATUS_CHANGED.get(now, f"Status: {after}.") if now else f"Status: {after or 'not set'}."
    if fc.field == "frequency":
        if not after:
            return "How often is no longer written: ask your care team."
        return f"Do this {_lower_first(after)} from now on" + (f" (it was {_lower_first(before)})." if before else ".")
    if fc.field == "responsible":
        if not after:
            return "No one is named to help with this now."
        return f"{after} helps with this now" + (f" (it was {before})." if before else ".")
    if fc.field == "goal":
        if not after:
            return "The goal has been taken off."
        return f"The goal is now: {after}" + (f" (it was: {before})." if before else ".")
    if fc.field == "start_date":
        return f"Start on {_iso_to_words(after)}." if after else "The start date has been taken off."
    if fc.field == "title":
        return f"New name: {after} (it was {before})."
    return f"{fc.label} has changed."


def _quoted(value: str) -> str:
    return f"“{value}”" if value.strip() else "nothing written"


def plan_change_sentence(fc: FieldChange) -> str | None:
    before, after = _iso_to_words(fc.before), _iso_to_words(fc.after)
    if fc.field == "next_review":
        if not fc.before:
            return f"The next review is set for {after}."
        if not fc.after:
            return "The next review date has been taken off; ask the clinic when it will be."
        return f"The next review moved from {before} to {after}."
    if fc.field == "start":
        return f"The plan now starts on {after}." if fc.after else None
    if fc.field == GOAL_ORDER:
        return "The goals are listed in a new order."
    if fc.field == "plan_status":
        return "The plan is now in use." if fc.after.lower() == "active" else "The plan is being prepared again."
    return None


def version_notice(plan: PrintablePlan) -> str | None:
    """Printed on page 1 and in every page's footer: a draft, or a copy a newer revision replaced."""
    if plan.replaced_by is not None:
        when = format_date(local_date(plan.replaced_by.created_at))
        return f"OLD COPY: replaced by revision {plan.replaced_by.number} on {when}. Use the newer plan."
    if plan.revision.content.status is PlanStatus.DRAFT:
        return "DRAFT: the care team may still change this plan."
    return None


def _names(titles: list[str], most: int = 2) -> str:
    shown = [f"“{t}”" for t in titles[:most]]
    if len(titles) > most:
        return ", ".join(shown) + f" and {len(titles) - most} more"
    return " and ".join(shown)


def change_summary(diff: PlanDiff | None, number: int, limit: int = 3, counted: bool = False) -> list[str]:
    """What changed in this version in one to three plain sentences, naming the items (or, when
    `counted`, only how many, for a crowded page)."""
    if diff is None:
        return ["This is the first version of the plan."]
    stopped = [c.after.title for c in diff.changed if c.after.status in (ItemStatus.STOPPED, ItemStatus.DECLINED)
               and c.before.status is not c.after.status]
    changed = [c.after.title for c in diff.changed if c.after.title not in stopped
               and any(f.field not in _HIDDEN_FIELDS for f in c.changes)]
    if counted:
        counts = [f"{n} {what}" for n, what in ((len(diff.added), "new"), (len(diff.removed) + len(stopped), "stopped"),
                                                (len(changed), "changed")) if n]
        if counts:
            return [", ".join(counts) + ": see “What changed since the last version”."]
    out = []
    if diff.added:
        out.append(f"New: {_names([i.title for i in diff.added])}.")
    if diff.removed or stopped:
        out.append(f"Stopped or taken out: {_names(stopped + [i.title for i in diff.removed])}.")
    if changed:
        out.append(f"Changed: {_names(changed)}. See “What changed since the last version” for how.")
    if diff.goals_added or diff.goals_removed:
        out.append("The goals have changed.")
    if not out:
        return [f"Nothing you need to do has changed since revision {number - 1}."]
    return out[:limit]
