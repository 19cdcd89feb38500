"""Six-year coverage edge cases, on the pure computation."""

import datetime as dt
import uuid

from register.employment.coverage import Period, compute_coverage, merge, years_before

TODAY = dt.date(2026, 11, 23)
D = dt.date


def coverage(entries: list[tuple[dt.date, dt.date | None]], explanations=(), threshold: int = 28, years: int = 6):  # type: ignore[no-untyped-def]
    return compute_coverage(entries, list(explanations), today=TODAY, years=years, threshold_days=threshold)


def test_window_is_six_years_up_to_today() -> None:
    result = coverage([])
    assert result.window == Period(D(2020, 11, 24), TODAY)
    assert [(g.start, g.end) for g in result.gaps] == [(D(2020, 11, 24), TODAY)]


def test_open_ended_current_role_covers_to_today() -> None:
    result = coverage([(D(2010, 1, 1), None)])
    assert result.covered == [Period(D(2020, 11, 24), TODAY)]
    assert result.gaps == []


def test_window_start_mid_role_is_clipped() -> None:
    result = coverage([(D(2015, 5, 1), D(2022, 3, 31)), (D(2022, 4, 1), None)])
    assert result.covered == [Period(D(2020, 11, 24), TODAY)]


def test_overlapping_roles_merge_into_one_period() -> None:
    result = coverage([(D(2019, 1, 1), D(2023, 6, 30)), (D(2023, 1, 1), D(2024, 12, 31)), (D(2025, 1, 1), None)])
    assert result.covered == [Period(D(2020, 11, 24), TODAY)]
    assert result.gaps == []


def test_gap_exactly_at_threshold_is_not_reported_one_more_day_is() -> None:
    # 28 days out of work: 2023-07-01 .. 2023-07-28 inclusive
    at = coverage([(D(2019, 1, 1), D(2023, 6, 30)), (D(2023, 7, 29), None)])
    assert at.gaps == []
    over = coverage([(D(2019, 1, 1), D(2023, 6, 30)), (D(2023, 7, 30), None)])
    [gap] = over.gaps
    assert (gap.start, gap.end, gap.days) == (D(2023, 7, 1), D(2023, 7, 29), 29)
    assert not gap.explained


def test_gap_at_the_end_when_no_current_role() -> None:
    result = coverage([(D(2018, 1, 1), D(2026, 6, 30))])
    [gap] = result.gaps
    assert (gap.start, gap.end) == (D(2026, 7, 1), TODAY)


def test_gap_at_the_start_of_the_window() -> None:
    result = coverage([(D(2021, 3, 1), None)])
    [gap] = result.gaps
    assert (gap.start, gap.end) == (D(2020, 11, 24), D(2021, 2, 28))


def test_gap_explained_only_when_wholly_covered_by_explanations() -> None:
    entries = [(D(2019, 1, 1), D(2023, 6, 30)), (D(2023, 10, 1), None)]
    a, b = uuid.uuid4(), uuid.uuid4()
    partly = coverage(entries, [(a, D(2023, 7, 1), D(2023, 8, 31))])
    assert not partly.gaps[0].explained
    assert partly.gaps[0].explanation_ids == (a,)
    wholly = coverage(entries, [(a, D(2023, 7, 1), D(2023, 8, 31)), (b, D(2023, 9, 1), D(2023, 9, 30))])
    assert wholly.gaps[0].explained
    assert set(wholly.gaps[0].explanation_ids) == {a, b}
    assert wholly.unexplained_gaps == []


def test_entries_outside_the_window_are_ignored() -> None:
    result = coverage([(D(2001, 1, 1), D(2010, 1, 1)), (D(2027, 1, 1), None)])
    assert result.covered == []
    assert len(result.gaps) == 1


def test_back_to_back_periods_merge() -> None:
    assert merge([Period(D(2020, 1, 1), D(2020, 1, 31)), Period(D(2020, 2, 1), D(2020, 2, 29))]) == [
        Period(D(2020, 1, 1), D(2020, 2, 29))
    ]


def test_years_before_a_leap_day() -> None:
    assert years_before(D(2028, 2, 29), 6) == D(2022, 2, 28)
