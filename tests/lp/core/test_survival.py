"""The small Kaplan–Meier estimator against lifelines (the reference) and against hand arithmetic."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from lp.core.survival import combined, kaplan_meier

lifelines = pytest.importorskip("lifelines")


def _table(durations: list[int], finished: list[bool]) -> list[tuple[int, int, int]]:
    return [(day, int(done), int(not done)) for day, done in zip(durations, finished, strict=True)]


def _lifelines_day(value: float) -> int | None:
    return None if math.isinf(value) else int(value)


def _check_against_lifelines(durations: list[int], finished: list[bool]) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import qth_survival_time

    fitter = KaplanMeierFitter().fit(durations, finished)
    ours = kaplan_meier(_table(durations, finished))
    curve = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_
    for step in ours.steps:
        assert step.survival == pytest.approx(curve.loc[step.day], abs=1e-12)
        assert step.lower == pytest.approx(band.iloc[:, 0].loc[step.day], abs=1e-12)
        assert step.upper == pytest.approx(band.iloc[:, 1].loc[step.day], abs=1e-12)
    for share in (0.5, 0.9):
        q = ours.quantile(share)
        assert q.day == _lifelines_day(qth_survival_time(1 - share, curve)), share
        assert q.low == _lifelines_day(qth_survival_time(1 - share, band.iloc[:, 0])), share
        assert q.high == _lifelines_day(qth_survival_time(1 - share, band.iloc[:, 1])), share


def test_hand_worked_curve():
    # Finished on days 10, 12, 19, 20, 40; censored on days 9, 11, 12, 91 (nine cases).
    # Day 10: 8 at risk -> S = 7/8; day 12: 6 at risk (the censoring on 12 still counts) ->
    # 7/8 * 5/6 = 35/48; day 19: 4 at risk -> 35/64; day 20: 3 at risk -> 35/96 <= 0.5: the
    # median is day 20. Day 40: 2 at risk -> 35/192 = 0.18 > 0.1: 90% is not reached.
    estimate = kaplan_meier([(10, 1, 0), (12, 1, 1), (19, 1, 0), (20, 1, 0), (40, 1, 0),
                             (9, 0, 1), (11, 0, 1), (91, 0, 1)])
    assert [(s.day, s.at_risk) for s in estimate.steps] == [(10, 8), (12, 6), (19, 4), (20, 3), (40, 2)]
    assert estimate.steps[-1].survival == pytest.approx(35 / 192)
    assert (estimate.median.day, estimate.p90.day) == (20, None)
    assert (estimate.cases, estimate.finished, estimate.censored, estimate.longest) == (9, 5, 4, 91)
    _check_against_lifelines([10, 12, 19, 20, 40, 9, 11, 12, 91], [True] * 5 + [False] * 4)


def test_everything_finished_and_nothing_finished():
    assert kaplan_meier([(5, 1, 0), (7, 2, 0)]).median.day == 7
    _check_against_lifelines([5, 7, 7], [True, True, True])
    nothing = kaplan_meier([(30, 0, 4)])
    assert (nothing.median.day, nothing.steps, nothing.last_survival) == (None, (), 1.0)
    assert kaplan_meier([]).cases == 0


@pytest.mark.parametrize("seed", range(8))
def test_random_data_sets_agree_with_lifelines(seed):
    rng = random.Random(seed)
    size = rng.choice((12, 40, 200))
    durations = [rng.randint(0, 120) for _ in range(size)]
    finished = [rng.random() < 0.6 for _ in range(size)]
    _check_against_lifelines(durations, finished)


@pytest.mark.parametrize("seed", range(5))
def test_curves_of_parts_combine_into_the_curve_of_the_whole(seed):
    # The total row of a table (all countries, all missions) is put together from its rows' curves.
    rng = random.Random(seed)
    parts = [[(rng.randint(0, 200), rng.randint(0, 3), rng.randint(0, 3)) for _ in range(rng.randint(1, 40))]
             for _ in range(rng.randint(2, 12))]
    # Of each part's censored cases, some are still running today.
    curves = [replace(kaplan_meier(part), running=sum(c for _d, _e, c in part) // 2) for part in parts]
    whole = kaplan_meier(row for part in parts for row in part)
    together = combined(curves)
    assert together is not None
    assert (together.steps, together.cases, together.finished, together.censored, together.longest) == (
        whole.steps, whole.cases, whole.finished, whole.censored, whole.longest)
    assert (together.median, together.p90) == (whole.median, whole.p90)
    assert together.running == sum(sum(c for _d, _e, c in part) // 2 for part in parts) > 0
    assert combined([]) is None


@pytest.mark.parametrize("seed", range(5))
def test_a_curve_kept_as_json_reads_the_same(seed):
    # The insights keep each country's curve between page views (lp.insights.snapshots) as JSON.
    import json

    from lp.core.survival import Estimate

    rng = random.Random(seed)
    table = [(rng.randint(0, 300), rng.randint(0, 2), rng.randint(0, 2)) for _ in range(rng.randint(0, 60))]
    fitted = replace(kaplan_meier(table), running=rng.randint(0, 5))
    summary = json.loads(json.dumps(fitted.summary()))
    kept = Estimate.restore(summary, json.loads(json.dumps(fitted.table)))
    assert kept == fitted
    assert (kept.median, kept.p90, kept.last_survival) == (fitted.median, fitted.p90, fitted.last_survival)
    assert (kept.longest, kept.running, kept.table) == (fitted.longest, fitted.running, fitted.table)
    assert kept.quantile(0.25) == fitted.quantile(0.25)  # fitted again from the table when asked
    # Without its table: the same figures, but it cannot be combined with another curve.
    alone = Estimate.restore(summary)
    assert (alone.median, alone.p90, alone.last_survival) == (fitted.median, fitted.p90, fitted.last_survival)
    if fitted.cases:
        with pytest.raises(ValueError):
            combined([alone, fitted])
