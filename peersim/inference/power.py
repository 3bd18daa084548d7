"""Power of a study design, or its assurance: how often copies of the study find the effect.

For each size (people per arm, or groups per arm), ``trials`` virtual copies of the study
(peersim.studies.virtual), each analysed as the study says (peersim.studies.trial.headline); the
share of copies whose analysis finds the outcome better in the compared arm at two-sided p < 0.05
is the **power** at fixed parameters, or, with ``uncertainty="posterior"`` (each copy a posterior
draw), the **assurance** (O'Hagan, Stevens & Campbell 2005, Pharm Stat 4:187): power averaged over
what we know of the parameters, named as such. Each share carries its Monte Carlo 95% interval
(Wilson, statsmodels), so a curve of 200 copies per size says how sure it is of itself.

Warnings come with the numbers, computed from them: where the modelled effect (mean d over the
copies) lies above a held-out independent estimate of it (peersim/data/targets.toml, ``fit =
false``; docs/validation.md) by more than two of its standard errors, the power rests on an effect
the evidence does not support; and every modelled effect rests on parameters whose size is an assumption.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from peersim.core.params import Params
from peersim.data.study import OUTCOMES, Study
from peersim.run.draws import pick_draws, posterior_draws, uncertainty_mode
from peersim.studies.trial import headline
from peersim.studies.virtual import simulate_study


def power_curve(
    study: Study,
    outcome: str,
    sizes: Sequence[int],
    trials: int = 200,
    seed: int = 0,
    base: Params | None = None,
    groups: bool = False,
    uncertainty: str = "none",
    posterior: pd.DataFrame | None = None,
    arm: str | None = None,
) -> pd.DataFrame:
    """One row per size: ``size`` (people, or with ``groups`` groups, per arm), the arms' people
    and groups, ``trials``, ``power`` (or assurance) with its Monte Carlo ``low`` and ``high``, and
    the mean and 2.5th/97.5th percentiles of d over the copies. ``arm``: the compared arm (default
    the first)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome = {outcome!r}; choose one of {', '.join(OUTCOMES)}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 10:
        raise ValueError(f"trials = {trials!r} must be a whole number >= 10")
    sizes = list(sizes)
    if not sizes or any(
        isinstance(n, bool) or not isinstance(n, int) or n < (1 if groups else 2) for n in sizes
    ):
        raise ValueError(f"sizes = {sizes!r}: whole numbers, at least {1 if groups else 2}")
    arm = arm or study.compared[0].name
    if arm not in [a.name for a in study.compared]:
        raise ValueError(f"arm = {arm!r} is not a compared arm ({', '.join(a.name for a in study.compared)})")
    base = base or Params()
    if uncertainty_mode(uncertainty) == "posterior":
        sets, weights = posterior_draws(base, posterior)
        of_copy = pick_draws(weights, seed, np.arange(trials), stream="posterior.trial")
    else:
        sets, of_copy = None, np.zeros(trials, dtype=np.int64)
    rows = []
    for n in sizes:
        sized = study.with_groups(n) if groups else study.resized(peer=n, control=n)
        people = simulate_study(sized, sets, of_copy, seed=seed, base=base)
        fits = headline(people, sized, [f"{outcome}_end"], trials)
        fits = fits[fits.arm == arm]
        found = int(((fits.p_value < 0.05) & (fits.difference > 0)).sum())
        low, high = proportion_confint(found, trials, alpha=0.05, method="wilson")
        d = fits.cohens_d.to_numpy(float)
        rows.append(
            {
                "size": n,
                "people_per_arm": sized.arm(arm).people,
                "groups_per_arm": sized.arm(arm).groups,
                "trials": trials,
                "power": found / trials,
                "low": low,
                "high": high,
                "d_mean": float(np.nanmean(d)),
                "d_p2_5": float(np.nanquantile(d, 0.025)),
                "d_p97_5": float(np.nanquantile(d, 0.975)),
            }
        )
    return pd.DataFrame(rows)


def smallest(curve: pd.DataFrame, target: float = 0.8) -> dict | None:
    """The smallest size whose power reaches ``target``, and whether its Monte Carlo interval lies
    wholly above it (``sure``); None if no size does."""
    reached = curve[curve.power >= target]
    if reached.empty:
        return None
    row = reached.iloc[0]
    return {"size": int(row["size"]), "power": float(row.power), "sure": bool(row.low >= target)}


def warnings_for(curve: pd.DataFrame, outcome: str) -> list[str]:
    """What the power rests on: held-out independent estimates of the outcome's effect that the
    modelled one exceeds by more than two standard errors, and the assumption-graded parameters."""
    from peersim.data.register import register
    from peersim.inference.calibration import load_targets

    d = float(curve.d_mean.mean())
    out = []
    for name, t in load_targets().items():
        if not t["fit"] and t["statistic"] == f"d:{outcome}:peer" and d > t["value"] + 2 * t["se"]:
            out.append(
                f"the modelled effect (mean d {d:.2f}) lies above the held-out estimate {name}"
                f" (d {t['value']:.2f}, se {t['se']:.2f}; docs/validation.md): this power rests on an"
                " effect independent evidence does not support"
            )
    entries = register()
    free = [e for e in entries.values() if not e.prior.fixed]
    assumed = sum(not e.sized for e in free)
    out.append(
        f"every modelled effect rests on parameters whose size is an assumption: {assumed} of the"
        f" {len(free)} parameters with a prior in the evidence register (docs/evidence.md)"
    )
    return out
