"""Two kinds of uncertainty, kept apart: what we do not know about the parameters, and Monte Carlo
error (how many runs were simulated).

With ``simulate(..., uncertainty="posterior")`` each run carries a posterior draw (the ``draw``
column). An output's mean over runs then estimates its posterior predictive mean. ``split``
separates (1) parameter uncertainty: the spread, across posterior draws, of the output's expected
value given the draw; from (2) Monte Carlo error: the standard error of the mean over runs. The
first is read from quantiles over the draws of each draw's mean (``param_interval``): each draw's
mean is pulled toward the overall mean by the share of its spread that lies between draws, so that
run-to-run noise within a draw is not counted as parameter uncertainty (the between-draw variance
by the one-way random-effects analysis of variance, (MSB - MSW) / n0; Searle, Casella & McCulloch
1992, ch. 3; pulled so that the adjusted means keep that variance, the "constrained Bayes"
ensemble of Louis 1984, JASA 79:393). A quantile of means of runs lies where runs' values can lie,
so the interval respects its quantity's scale (a share stays in 0-1, a difference whose control is
0 keeps its sign), unlike mean +- 1.96 sd. The quantiles carry Monte Carlo error of their own
(finitely many draws and runs): ``param_low_se`` and ``param_high_se``, from a bootstrap over the
draws. More runs shrink (2) and those errors, never (1).

``exploratory`` tells whether a scenario's difference from the default rests mainly on parameters
graded ``assumption`` in the evidence register, so that text and figures can say so.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from peersim.core.params import carried_by
from peersim.stats.effects import Z95

#: bootstrap resamples for the Monte Carlo error of the quantiles; the generator is local and
#: seeded, so the same runs always give the same numbers (no global random state)
BOOTSTRAP = 200
_BOOTSTRAP_SEED = 19


def split(
    values: Iterable[float], draws: Iterable[int], bounds: tuple[float, float] | None = None
) -> dict[str, float]:
    """Mean of ``values`` (one per run) with its Monte Carlo interval and the interval from
    parameter uncertainty (runs grouped by their posterior ``draws``: ``param_interval``).
    ``bounds``, the quantity's range (a share's 0 to 1), keeps the Monte Carlo interval inside it
    (the parameter interval is inside it by construction)."""
    frame = pd.DataFrame({"y": np.asarray(values, dtype=float), "draw": np.asarray(draws)}).dropna()
    n_total = len(frame)
    mean = float(frame.y.mean()) if n_total else np.nan
    mc_se = float(frame.y.std(ddof=1) / np.sqrt(n_total)) if n_total > 1 else np.nan
    by = frame.groupby("draw").y
    sizes, means, variances = by.size().to_numpy(), by.mean().to_numpy(), by.var(ddof=1).fillna(0).to_numpy()
    low, high = clip(mean - Z95 * mc_se, mean + Z95 * mc_se, bounds)
    return {
        "mean": mean,
        "mc_low": low,
        "mc_high": high,
        **param_interval(sizes, means, variances),
        "draws": len(sizes),
        "runs": n_total,
    }


def outcome_range(column: str) -> tuple[float, float]:
    """Where an outcome column can lie: QPR-15 0 to 60, realised changes a count (0 and up), the
    states and shares (``dropped_out`` too) 0 to 1."""
    if column.startswith("qpr"):
        return (0.0, 60.0)
    if column.startswith("realised_changes"):
        return (0.0, np.inf)
    return (0.0, 1.0)


def difference_range(column: str) -> tuple[float, float]:
    """Where a difference of that outcome (two scenarios, or an end and a start) can lie."""
    low, high = outcome_range(column)
    return (low - high, high - low)


def clip(low: float, high: float, bounds: tuple[float, float] | None) -> tuple[float, float]:
    """An interval for a mean kept inside its quantity's range: a mean of values in [a, b] lies in
    [a, b], so the part of a normal interval beyond it holds no possible value."""
    if bounds is None:
        return low, high
    return float(np.clip(low, *bounds)), float(np.clip(high, *bounds))


def param_interval(sizes, means, variances, level: float = 0.95) -> dict[str, float]:
    """The interval from parameter uncertainty, from each posterior draw's run count, mean and
    variance (ddof 1; 0 for one run): the ``level`` quantiles over draws (weighted by their runs,
    which were picked by posterior weight) of the draws' means, each pulled toward the overall
    mean so that the ensemble keeps the between-draw variance and not the runs' noise (see the
    module docstring). Also ``param_sd`` (that between-draw sd) and ``param_low_se``,
    ``param_high_se``: the quantiles' Monte Carlo error, the sd over a bootstrap of the draws.
    NaN where not estimable (one draw, or one run per draw)."""
    sizes = np.asarray(sizes, dtype=float)
    means = np.asarray(means, dtype=float)
    variances = np.asarray(variances, dtype=float)
    keep = sizes > 0
    sizes, means, variances = sizes[keep], means[keep], variances[keep]
    low, high, sd = _quantiles(sizes, means, variances, level)
    out = {"param_low": low, "param_high": high, "param_sd": sd}
    out.update(param_low_se=np.nan, param_high_se=np.nan)
    if np.isnan(low):
        return out
    rng = np.random.default_rng(_BOOTSTRAP_SEED)
    picks = rng.integers(0, len(sizes), size=(BOOTSTRAP, len(sizes)))
    again = np.array([_quantiles(sizes[i], means[i], variances[i], level)[:2] for i in picks])
    spread = np.nanstd(again, axis=0, ddof=1) if np.isfinite(again).sum(axis=0).min() > 1 else [np.nan] * 2
    out["param_low_se"], out["param_high_se"] = float(spread[0]), float(spread[1])
    return out


def _quantiles(sizes, means, variances, level: float) -> tuple[float, float, float]:
    n_total = float(np.sum(sizes))
    if n_total == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(np.sum(sizes * means) / n_total)
    tau = between_draws_sd(sizes, means, variances, mean)
    if np.isnan(tau):
        return (np.nan, np.nan, tau)
    k = len(sizes)
    within = float(np.sum((sizes - 1) * variances) / (n_total - k))  # MSW: the runs' own variance
    noise = within / sizes
    # the share of a draw's deviation that is between draws, as a factor on the deviation that
    # keeps the ensemble's variance at tau^2 (equal sizes: exactly); in [0, 1], so an adjusted
    # mean lies between its draw's mean and the overall mean, both inside the quantity's range
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(tau**2 + noise > 0, np.sqrt(tau**2 / (tau**2 + noise)), 0.0)
    adjusted = mean + factor * (means - mean)
    tail = (1 - level) / 2
    low, high = weighted_quantile(adjusted, sizes, [tail, 1 - tail])
    return float(low), float(high), tau


def param_interval_from_noise(values, noise_sd, level: float = 0.95) -> dict[str, float]:
    """The interval from parameter uncertainty of a result that each unit (a virtual trial) gives
    once under its own posterior draw, with its own sampling error ``noise_sd`` (the trial's
    standard error): the between-draw variance is the values' variance less the mean sampling
    variance, each value is pulled toward the mean as in ``param_interval``, and the interval is
    their quantiles; ``param_low_se``/``param_high_se`` from a bootstrap over the units."""
    values = np.asarray(values, dtype=float)
    noise = np.asarray(noise_sd, dtype=float) ** 2
    keep = np.isfinite(values) & np.isfinite(noise)
    values, noise = values[keep], noise[keep]
    out = {"param_low": np.nan, "param_high": np.nan, "param_low_se": np.nan, "param_high_se": np.nan}
    if len(values) < 3:
        return out

    def ends(v: np.ndarray, e: np.ndarray) -> tuple[float, float]:
        mean = float(v.mean())
        tau2 = max(0.0, float(v.var(ddof=1)) - float(e.mean()))
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(tau2 + e > 0, np.sqrt(tau2 / (tau2 + e)), 0.0)
        tail = (1 - level) / 2
        low, high = np.quantile(mean + factor * (v - mean), [tail, 1 - tail])
        return float(low), float(high)

    out["param_low"], out["param_high"] = ends(values, noise)
    rng = np.random.default_rng(_BOOTSTRAP_SEED)
    picks = rng.integers(0, len(values), size=(BOOTSTRAP, len(values)))
    again = np.array([ends(values[i], noise[i]) for i in picks])
    out["param_low_se"], out["param_high_se"] = (float(x) for x in again.std(axis=0, ddof=1))
    return out


def weighted_quantile(values, weights, qs) -> np.ndarray:
    """Quantiles ``qs`` of ``values`` with ``weights`` (each value standing for its weight's share,
    interpolated between the midpoints of the sorted weights, as numpy's default does for equal
    weights)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    centres = (np.cumsum(weights) - 0.5 * weights) / np.sum(weights)
    return np.interp(qs, centres, values)


class DrawMoments:
    """Count, sum and sum of squares of one value per run, for each posterior draw, gathered block
    by block in arrays (a run's draw is a number below the posterior's length): what
    ``param_interval`` needs, in bounded memory and at numpy speed however many draws."""

    def __init__(self) -> None:
        self.n = np.zeros(0)
        self.s = np.zeros(0)
        self.ss = np.zeros(0)

    def add(self, draws, values) -> None:
        draws = np.asarray(draws, dtype=np.int64)
        values = np.asarray(values, dtype=float)
        keep = ~np.isnan(values)
        draws, values = draws[keep], values[keep]
        if not len(draws):
            return
        size = max(len(self.n), int(draws.max()) + 1)
        for name, weights in (("n", None), ("s", values), ("ss", values**2)):
            grown = np.zeros(size)
            grown[: len(getattr(self, name))] = getattr(self, name)
            grown += np.bincount(draws, weights=weights, minlength=size)
            setattr(self, name, grown)

    def interval(self, level: float = 0.95) -> dict[str, float]:
        seen = self.n > 0
        n, s, ss = self.n[seen], self.s[seen], self.ss[seen]
        means = s / n
        with np.errstate(invalid="ignore", divide="ignore"):
            variances = np.where(n > 1, np.maximum(ss - n * means**2, 0) / (n - 1), 0.0)
        return param_interval(n, means, variances, level)


def between_draws_sd(sizes, means, variances, mean: float) -> float:
    """The standard deviation, across posterior draws, of an output's expected value given the
    draw: the one-way random-effects estimator (MSB - MSW) / n0 from each draw's run count, mean
    and variance (ddof 1; 0 for a single run), and the overall mean. NaN when not estimable."""
    sizes = np.asarray(sizes, dtype=float)
    k, n_total = len(sizes), float(np.sum(sizes))
    if not (k > 1 and n_total > k):
        return float("nan")
    msb = float(np.sum(sizes * (np.asarray(means) - mean) ** 2) / (k - 1))
    msw = float(np.sum((sizes - 1) * np.asarray(variances)) / (n_total - k))
    n0 = (n_total - np.sum(sizes**2) / n_total) / (k - 1)
    return float(np.sqrt(max(0.0, (msb - msw) / n0)))


#: Context and intervention switches act through other parameters: the effect of choosing a
#: mental health service setting is as well known as the parameters that carry it (each switch's
#: ``carries`` in Params).
CARRIED_BY = carried_by()


def exploratory(changed: Iterable[str]) -> list[str]:
    """Of the parameters that carry a scenario's changes (``CARRIED_BY`` for switches, the
    parameter itself otherwise), those whose size the evidence register grades ``assumption`` (the
    direction may be sourced, the magnitude is not) or that it does not grade: if any, the
    scenario's effect is exploratory, and output says so."""
    from peersim.core.params import Params
    from peersim.data.register import register

    entries, known = register(), Params.__dataclass_fields__
    out = []
    for name in changed:
        for carrier in CARRIED_BY.get(name, (name,)):
            if carrier in known and (carrier not in entries or not entries[carrier].sized):
                out.append(carrier)
    return list(dict.fromkeys(out))


#: What a parameter's meaning continues when it is written under its group's heading (``peersim
#: params`` lists "per unit of connectedness" under dropout): said in front of it when the meaning
#: stands alone in a sentence.
GROUP_SUBJECT = {
    "dropout": "the chance of leaving the group",
    "sharing": "the chance of sharing",
    "safety": "the safety a group tends toward:",
}
#: how a meaning that does not stand alone begins
_FRAGMENTS = ("per ", "when ", "in the ", "target ")


def meaning(name: str) -> str:
    """A parameter's meaning as a sentence can hold it: its ``doc`` in Params, with its group's
    subject in front when the doc only continues the group's heading ("per unit of connectedness"
    becomes "the chance of leaving the group, per unit of connectedness"); the name itself for
    what has no doc."""
    from peersim.core.params import Params

    field = Params.__dataclass_fields__.get(name)
    doc = field.metadata.get("doc", "") if field is not None else ""
    if not doc:
        return name
    subject = GROUP_SUBJECT.get(field.metadata.get("group", ""))
    if subject and doc.startswith(_FRAGMENTS):
        return f"{subject} {doc}" if subject.endswith(":") else f"{subject}, {doc}"
    return doc


def in_words(names: Iterable[str], with_names: bool = True) -> str:
    """Parameters as a reader can follow them: each one's meaning (``meaning``), with its name in
    brackets for looking it up (``peersim params``); ``with_names=False`` for a figure a class
    reads, the meanings alone (no name, no underscore)."""

    def words(n: str) -> str:
        m = meaning(n)
        if with_names:
            return n if m == n else f"{m} ({n})"
        return m.replace("_", " ")

    return "; ".join(words(n) for n in names)


def exploratory_line(
    changed: Iterable[str], what: str = "this scenario's changes", with_names: bool = True
) -> str:
    """The EXPLORATORY line for text, tables and figures when ``changed`` parameters act through
    assumption-graded ones (``exploratory``), naming those in words (and, ``with_names``, by
    their names for ``peersim params``); empty otherwise."""
    weak = exploratory(changed)
    if not weak:
        return ""
    return (
        f"EXPLORATORY: {what} act through parameters that rest on assumptions, not evidence"
        f" ({in_words(weak, with_names)}); read the differences as what-ifs, not findings"
    )
