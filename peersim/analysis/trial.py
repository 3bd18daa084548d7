"""Virtual trial: PEER against service as usual, on the trial's scales.

Individuals from the scenario's population are randomised to PEER, where they are formed into
groups of ``group_size``, or to service as usual (the control arm: the same population and the same
random machinery, no group). Outcomes are taken at the end of the course: personal recovery on the
QPR-15 (0-60, through the measurement model), hope, self-efficacy, self-image, meaning, loneliness,
and social relations outside the group (bridging). Reported as the PEER trial reported them:
each arm's mean with its 95% interval, the mean difference, Cohen's d with a 95% interval, and a
p-value (Welch's t-test), intention to treat (everyone randomised) and completers. An arm mean's
interval treats the group as the unit in the PEER arm (its participants share a group; the
cluster-robust interval of :mod:`peersim.analysis.stats`) and the person in the control arm.

The PEER trial (Poulsen et al., BMC Psychiatry 25:695, 2025): 145 PEER, 151 service as usual;
QPR-15 at end of course 37.3 vs 32.1, difference 5.1 (95% CI 2.4-7.8), d = 0.43; effects on hope
and self-efficacy; none on empowerment, self-advocacy or social relations.

With ``trials=K`` the same design is run K times with other people (other run indices): the
spread of d is what trials of that size could have seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..engine import simulate
from ..params import Params
from .stats import cluster_mean

TRIAL_OUTCOMES = {
    "qpr_end": "personal recovery, QPR-15 (0-60)",
    "hope_end": "hope (0-1)",
    "self_efficacy_end": "self-efficacy (0-1)",
    "self_image_end": "self-image (0-1)",
    "meaning_end": "meaning (0-1)",
    "loneliness_end": "loneliness (0-1)",
    "social_relations_end": "social relations outside the group (0-1)",
}


#: Control participants are other people than the PEER arm's: run indices from here on. A fixed
#: offset keeps trial k's people the same whatever the number of trials asked for.
CONTROL_RUNS = 2**40


def social_relations(participants: pd.DataFrame) -> pd.Series:
    """Relations outside the group at the end of the course: the person's own network before the
    course (1 - baseline loneliness) widened by bridging, 1 - loneliness_baseline * (1 - bridging)."""
    return 1.0 - participants["loneliness_baseline"] * (1.0 - participants["bridging_end"])


def effect(treated: np.ndarray, control: np.ndarray) -> dict[str, float]:
    """Mean difference (95% CI, Welch), Cohen's d (pooled SD; 95% CI by the normal approximation
    of Hedges & Olkin 1985) and Welch's two-sided p-value."""
    treated = np.asarray(treated, dtype=float)
    control = np.asarray(control, dtype=float)
    n1, n2 = len(treated), len(control)
    m1, m2 = treated.mean(), control.mean()
    v1, v2 = treated.var(ddof=1), control.var(ddof=1)
    diff = m1 - m2
    se = np.sqrt(v1 / n1 + v2 / n2)
    df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    t_crit = stats.t.ppf(0.975, df)
    pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    d = diff / pooled if pooled > 0 else np.nan
    se_d = np.sqrt((n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2)))
    p = stats.ttest_ind(treated, control, equal_var=False).pvalue
    return {
        "n_peer": n1,
        "n_control": n2,
        "mean_peer": m1,
        "mean_control": m2,
        "difference": diff,
        "diff_low": diff - t_crit * se,
        "diff_high": diff + t_crit * se,
        "cohens_d": d,
        "d_low": d - 1.959963984540054 * se_d,
        "d_high": d + 1.959963984540054 * se_d,
        "p_value": float(p),
    }


@dataclass
class TrialResult:
    """``table``: one row per (trial, analysis, outcome); ``summary``: d across trials."""

    table: pd.DataFrame
    params: Params
    n_per_arm: int
    trials: int
    seed: int

    def summary(self) -> pd.DataFrame:
        rows = []
        for (analysis, outcome), sub in self.table.groupby(["analysis", "outcome"], sort=False):
            d = sub["cohens_d"]
            rows.append(
                {
                    "analysis": analysis,
                    "outcome": outcome,
                    "trials": len(sub),
                    "difference_mean": sub["difference"].mean(),
                    "d_mean": d.mean(),
                    "d_sd": d.std(ddof=1),
                    "d_p2_5": d.quantile(0.025),
                    "d_p50": d.median(),
                    "d_p97_5": d.quantile(0.975),
                    "share_significant": (sub["p_value"] < 0.05).mean(),
                    **{
                        f"{arm}_{stat}": value
                        for arm in ("peer", "control")
                        for stat, value in (
                            ("mean", sub[f"mean_{arm}"].mean()),
                            ("p2_5", sub[f"mean_{arm}"].quantile(0.025)),
                            ("p97_5", sub[f"mean_{arm}"].quantile(0.975)),
                        )
                    },
                }
            )
        return pd.DataFrame(rows)


def trial(
    params: Params | None = None,
    n_per_arm: int = 150,
    seed: int = 0,
    trials: int = 1,
    uncertainty: str | None = None,
    posterior: pd.DataFrame | None = None,
    population=None,
    progress: bool = False,
) -> TrialResult:
    """Run ``trials`` virtual trials of ``n_per_arm`` people per arm (see the module docstring).

    ``population`` (a table of participants, as for ``simulate``) makes every group of the PEER
    arm, and every block of the control arm, those people (with their own draws in each group);
    its length is the group size. ``progress`` shows progress while the arms are simulated.

    ``uncertainty="posterior"``: each trial takes one posterior draw (chosen by weight from seed
    and trial number; both arms and all its groups share it), so the spread of d over trials is
    what trials could see given what we know of the parameters, not only which people came.
    """
    params = params or Params()
    if population is not None:
        from ..population import validate_population

        population = validate_population(population, params)
        params = params.replace(group_size=len(population))
    if isinstance(n_per_arm, bool) or not isinstance(n_per_arm, int) or n_per_arm < 2:
        raise ValueError(f"n_per_arm = {n_per_arm!r} must be a whole number >= 2")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials = {trials!r} must be a whole number >= 1")
    size = params.group_size
    groups = -(-n_per_arm // size)  # the last group may have places left over: they stay empty
    if uncertainty == "posterior":
        peer, ctrl = _arms_with_posterior(params, posterior, seed, groups, trials, population, progress)
    elif uncertainty is None:
        common = {"runs": groups * trials, "seed": seed, "population": population, "progress": progress}
        peer = simulate(params.replace(control_arm=False), **common).participants
        ctrl = simulate(params.replace(control_arm=True), first_run=CONTROL_RUNS, **common).participants
    else:
        raise ValueError(f"uncertainty = {uncertainty!r} is not valid; choose one of None, 'posterior'")
    peer["social_relations_end"] = social_relations(peer)
    ctrl["social_relations_end"] = social_relations(ctrl)
    rows = []
    for k in range(trials):
        a = peer[(peer.run >= k * groups) & (peer.run < (k + 1) * groups)].head(n_per_arm)
        b = ctrl[(ctrl.run >= CONTROL_RUNS + k * groups) & (ctrl.run < CONTROL_RUNS + (k + 1) * groups)]
        b = b.head(n_per_arm)
        draw = {"draw": int(a["draw"].iloc[0])} if "draw" in a else {}
        for analysis, arm in (("intention to treat", a), ("completers", a[~a.dropped_out])):
            for outcome in TRIAL_OUTCOMES:
                if len(arm) < 2:
                    continue
                peer_mean = cluster_mean(arm[outcome], arm["run"])  # groups are the PEER arm's units
                control_mean = cluster_mean(b[outcome], pd.Series(np.arange(len(b)), index=b.index))
                rows.append(
                    {
                        "trial": k,
                        **draw,
                        "analysis": analysis,
                        "outcome": outcome,
                        **effect(arm[outcome].to_numpy(), b[outcome].to_numpy()),
                        "peer_low": peer_mean[1],
                        "peer_high": peer_mean[2],
                        "control_low": control_mean[1],
                        "control_high": control_mean[2],
                    }
                )
    return TrialResult(pd.DataFrame(rows), params, n_per_arm, trials, seed)


def _arms_with_posterior(
    params, posterior, seed, groups, trials, population=None, progress=False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both arms' participants, trial k's groups all with the posterior draw chosen for trial k."""
    from ..engine import pick_draws, posterior_draws, run_chunks
    from ..sets import ParamSets

    draws, weights = posterior_draws(params, posterior)
    of_trial = pick_draws(weights, seed, np.arange(trials), stream="posterior.trial")
    arms = []
    for control, first in ((False, 0), (True, CONTROL_RUNS)):
        table = ParamSets(draws, params.replace(control_arm=control), what="posterior draw")
        tables = run_chunks(
            table,
            groups * trials,
            seed,
            population,
            "summary",
            2000,
            first,
            progress,
            True,
            lambda runs, first=first: of_trial[(runs - first) // groups],
        )
        arms.append(tables["participants"].rename(columns={"set": "draw"}).sort_values(["run", "member"]))
    return arms[0].reset_index(drop=True), arms[1].reset_index(drop=True)


def format_trial(result: TrialResult) -> str:
    lines = [
        f"Virtual trial: {result.n_per_arm} per arm, groups of {result.params.group_size}, seed {result.seed}"
        + (f", {result.trials} trials" if result.trials > 1 else ""),
        "PEER trial (Poulsen et al. 2025): QPR-15 37.3 vs 32.1, difference 5.1 [2.4, 7.8], d = 0.43",
        "",
    ]
    if result.trials == 1:
        head = (
            f"  {'':40s} {'PEER [95% CI]':>20s}  {'control [95% CI]':>20s}  {'difference [95% CI]':>21s}"
            f"  {'d [95% CI]':>20s}  p"
        )
        for analysis, sub in result.table.groupby("analysis", sort=False):
            lines.append(
                f"{analysis} (PEER n={int(sub.n_peer.iloc[0])}, control n={int(sub.n_control.iloc[0])}):"
            )
            lines.append(head)
            for r in sub.itertuples():
                digits = 1 if r.outcome == "qpr_end" else 3
                lines.append(
                    f"  {TRIAL_OUTCOMES[r.outcome]:40s}"
                    f" {_ci(r.mean_peer, r.peer_low, r.peer_high, digits):>20s}"
                    f"  {_ci(r.mean_control, r.control_low, r.control_high, digits):>20s}"
                    f"  {_ci(r.difference, r.diff_low, r.diff_high, digits, '+'):>21s}"
                    f"  {_ci(r.cohens_d, r.d_low, r.d_high, 2, '+'):>20s}  {r.p_value:.3g}"
                )
            lines.append("")
        lines.append(
            "Arm means: 95% intervals over groups in the PEER arm, over people in the control arm;"
            " difference: Welch."
        )
    else:
        summary = result.summary()
        lines.append(
            "Across trials: each arm's mean and Cohen's d, mean [2.5th, 97.5th percentile];"
            " share of trials with p < 0.05"
        )
        lines.append(f"  {'':18s} {'':40s} {'PEER':>21s}  {'control':>21s}  {'d':>21s}")
        for r in summary.itertuples():
            digits = 1 if r.outcome == "qpr_end" else 3
            lines.append(
                f"  {r.analysis:18s} {TRIAL_OUTCOMES[r.outcome]:40s}"
                f" {_ci(r.peer_mean, r.peer_p2_5, r.peer_p97_5, digits):>21s}"
                f"  {_ci(r.control_mean, r.control_p2_5, r.control_p97_5, digits):>21s}"
                f"  {_ci(r.d_mean, r.d_p2_5, r.d_p97_5, 2, '+'):>21s}  {r.share_significant:.0%}"
            )
    return "\n".join(lines)


def _ci(value: float, low: float, high: float, digits: int, sign: str = "") -> str:
    return f"{value:{sign}.{digits}f} [{low:{sign}.{digits}f}, {high:{sign}.{digits}f}]"
