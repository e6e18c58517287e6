"""Estimate how long something takes when some cases have not finished yet (Kaplan–Meier).

Why not "the median of the finished cases": the cases that never finish drop out, so
the slowest look fastest. The Kaplan–Meier estimator counts an unfinished case as
"still not finished after t days" (censored at t) and uses it for every day up to t.

Written small rather than calling lifelines at run time: the insights fit one curve
per country and per mission on every page view, from a life table the database has
already grouped (one row per day with events or censorings), and lifelines would add
pandas and a DataFrame per curve for a few lines of arithmetic. The test
``tests/lp/core/test_survival.py`` checks every figure against lifelines 0.30
(``KaplanMeierFitter``, ``qth_survival_time``) on the same data:

- S(t) = Π over event days u ≤ t of (1 − d_u / n_u), n_u at risk on day u (cases whose
  time is ≥ u), d_u finished on day u; a case censored on day u is still at risk on u.
- 95% confidence band of S(t): exponential Greenwood ("log-log"), as lifelines:
  exp(−exp(log(−log S) ± z·√V / log S)) with V = Σ d / (n (n − d)), z = 1.96.
- The time by which a share p has finished: the first event day with S ≤ 1 − p; none
  ("not reached") when S never gets that low. Its 95% interval: the same day read off
  the lower and the upper band (as lifelines' ``qth_survival_times`` on
  ``confidence_interval_``); an upper bound that is never reached is None.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import Any, cast

#: Two-sided 95% confidence.
Z95 = NormalDist().inv_cdf(0.975)
#: Products of many factors are not exact: a survival of 0.5000000000001 is 0.5.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Step:
    """The curve on one event day: at risk, finished that day, S(t) and its 95% band."""

    day: int
    at_risk: int
    events: int
    survival: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Quantile:
    """The day by which a share has finished, with its 95% interval; None = not reached."""

    share: float
    day: int | None
    low: int | None
    high: int | None


@dataclass(frozen=True)
class Estimate:
    """A fitted curve and what the pages show of it.

    Made by ``kaplan_meier`` from a life table, or by ``restore`` from what ``summary``
    kept of one. The curve itself (``steps``) is fitted when first read, as is each quantile.
    """

    cases: int
    finished: int
    censored: int
    longest: int | None
    #: Of the censored cases, those still running today (the rest stopped without finishing).
    running: int = 0
    #: The life table, one (day, finished, censored) per day in ascending order: the curve is
    #: fitted to it, and curves of parts combine into the curve of the whole (``combined``).
    table: tuple[tuple[int, int, int], ...] = field(default=(), compare=False, repr=False)
    #: What was read of the curve so far: "steps", "last", and each share's Quantile.
    _known: dict[Any, Any] = field(init=False, default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The curve on each day with events."""
        steps = self._known.get("steps")
        if steps is None:
            steps = self._known["steps"] = _fit(self.table, self.cases)
        return steps

    def quantile(self, share: float) -> Quantile:
        """Return the day by which ``share`` (0.5 for the median) of the cases finished."""
        known = self._known.get(share)
        if known is not None:
            return known
        target = 1 - share + TOLERANCE

        def first(values: Iterable[tuple[int, float]]) -> int | None:
            return next((day for day, value in values if value <= target), None)

        steps = self.steps
        found = self._known[share] = Quantile(share,
                                              first((s.day, s.survival) for s in steps),
                                              first((s.day, s.lower) for s in steps),
                                              first((s.day, s.upper) for s in steps))
        return found

    @property
    def median(self) -> Quantile:
        return self.quantile(0.5)

    @property
    def p90(self) -> Quantile:
        return self.quantile(0.9)

    @property
    def last_survival(self) -> float:
        """The share not finished after the last event (1.0 without events)."""
        last = self._known.get("last")
        if last is None:
            steps = self.steps
            last = self._known["last"] = steps[-1].survival if steps else 1.0
        return last

    def summary(self) -> dict[str, Any]:
        """Return what the pages read of this curve, as plain values, without its table (for ``restore``)."""
        return {"counts": [self.cases, self.finished, self.censored, self.longest, self.running],
                "median": _quantile_values(self.median), "p90": _quantile_values(self.p90),
                "last": self.last_survival}

    @classmethod
    def restore(cls, summary: dict[str, Any], table: Iterable[Iterable[int]] = ()) -> Estimate:
        """Return the curve ``summary`` was made of: its median, P90 and last survival without fitting it again.

        Without its ``table`` it cannot be combined with others or read at another quantile.
        """
        cases, finished, censored, longest, running = summary["counts"]
        estimate = cls(cases, finished, censored, longest, running,
                       cast(tuple[tuple[int, int, int], ...], tuple(map(tuple, table))))
        estimate._known.update({0.5: Quantile(0.5, *summary["median"]), 0.9: Quantile(0.9, *summary["p90"]),
                                "last": summary["last"]})
        return estimate


def _quantile_values(quantile: Quantile) -> list[int | None]:
    return [quantile.day, quantile.low, quantile.high]


def kaplan_meier(table: Iterable[tuple[int, int, int]]) -> Estimate:
    """Return the curve of a life table: (day, cases finished that day, cases censored that day).

    Days may repeat and come in any order; negative days count as day 0.
    """
    finished: dict[int, int] = {}
    censored: dict[int, int] = {}
    for day, events, censorings in table:
        day = max(0, int(day))
        finished[day] = finished.get(day, 0) + int(events)
        censored[day] = censored.get(day, 0) + int(censorings)
    done, stopped = sum(finished.values()), sum(censored.values())
    days = sorted(finished.keys() | censored.keys())
    return Estimate(done + stopped, done, stopped, days[-1] if days else None,
                    table=tuple((day, finished.get(day, 0), censored.get(day, 0)) for day in days))


def _fit(table: tuple[tuple[int, int, int], ...], cases: int) -> tuple[Step, ...]:
    """Fit the curve: S(t), its band, at risk and events on each day with events (see the module)."""
    at_risk, survival, variance = cases, 1.0, 0.0
    steps = []
    for day, events, censorings in table:
        if events:
            survival *= 1 - events / at_risk
            if events < at_risk:
                variance += events / (at_risk * (at_risk - events))
            lower, upper = _band(survival, variance)
            steps.append(Step(day, at_risk, events, survival, lower, upper))
        at_risk -= events + censorings
    return tuple(steps)


def combined(estimates: Iterable[Estimate]) -> Estimate | None:
    """Return the curve of all the cases of ``estimates`` together (None: no estimates).

    Fitted to their life tables put together: the same curve as one fitted to all the cases
    at once (curves themselves do not add up).
    """
    parts = list(estimates)
    if not parts:
        return None
    if any(part.cases and not part.table for part in parts):
        raise ValueError("a curve restored without its table cannot be combined")
    return replace(kaplan_meier(row for part in parts for row in part.table),
                   running=sum(part.running for part in parts))


def _band(survival: float, variance: float) -> tuple[float, float]:
    """Return the exponential Greenwood 95% band of S (lifelines' ``_bounds``)."""
    if survival <= 0:
        return 0.0, 0.0
    if survival >= 1:
        return 1.0, 1.0
    log_s = math.log(survival)
    spread = Z95 * math.sqrt(variance) / log_s
    return (math.exp(-math.exp(math.log(-log_s) - spread)),
            math.exp(-math.exp(math.log(-log_s) + spread)))
