"""Six-year employment coverage: the FPPT employment-history check made computable.

The FPPT Framework asks for at least six years of employment history with every gap explained. Given a
director's employment entries and recorded explanations, this finds the covered periods in the window,
the gaps longer than the threshold, and whether each gap is wholly covered by explanations.
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Gap(Period):
    explained: bool = False
    explanation_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class Coverage:
    window: Period
    covered: list[Period] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def unexplained_gaps(self) -> list[Gap]:
        return [g for g in self.gaps if not g.explained]


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (28 February for a 29 February that does not exist)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def merge(periods: Iterable[Period]) -> list[Period]:
    """Overlapping or back-to-back periods joined into one."""
    merged: list[Period] = []
    for p in sorted(periods, key=lambda p: (p.start, p.end)):
        if merged and p.start <= merged[-1].end + ONE_DAY:
            if p.end > merged[-1].end:
                merged[-1] = Period(merged[-1].start, p.end)
        else:
            merged.append(p)
    return merged


def _clip(start: dt.date, end: dt.date | None, window: Period) -> Period | None:
    end = window.end if end is None or end > window.end else end
    start = max(start, window.start)
    return Period(start, end) if start <= end else None


def compute_coverage(
    entries: Iterable[tuple[dt.date, dt.date | None]],
    explanations: Iterable[tuple[uuid.UUID, dt.date, dt.date]],
    *,
    today: dt.date,
    years: int,
    threshold_days: int,
) -> Coverage:
    """Covered periods and gaps longer than ``threshold_days`` in the ``years`` up to and including ``today``.

    An open entry (no end) runs to today. A gap of exactly ``threshold_days`` days is not reported.
    """
    window = Period(years_before(today, years) + ONE_DAY, today)
    covered = merge(p for s, e in entries if (p := _clip(s, e, window)) is not None)
    holes: list[Period] = []
    cursor = window.start
    for p in covered:
        if p.start > cursor:
            holes.append(Period(cursor, p.start - ONE_DAY))
        cursor = max(cursor, p.end + ONE_DAY)
    if cursor <= window.end:
        holes.append(Period(cursor, window.end))

    clipped = [(i, p) for i, s, e in explanations if (p := _clip(s, e, window)) is not None]
    gaps: list[Gap] = []
    for hole in holes:
        if hole.days <= threshold_days:
            continue
        touching = [(i, p) for i, p in clipped if p.start <= hole.end and p.end >= hole.start]
        union = merge(p for _, p in touching)
        explained = any(u.start <= hole.start and u.end >= hole.end for u in union)
        gaps.append(Gap(hole.start, hole.end, explained=explained, explanation_ids=tuple(i for i, _ in touching)))
    return Coverage(window=window, covered=covered, gaps=gaps)
