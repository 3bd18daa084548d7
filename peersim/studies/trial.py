"""Virtual trial: PEER against service as usual, run and analysed as the PEER trial was.

The PEER trial (Poulsen et al., BMC Psychiatry 25:695, 2025; protocol Poulsen et al., Trials
23:727, 2022) randomised 296 people, 145 to PEER and 151 to service as usual, included from
7 December 2020 to 16 October 2022 in five Danish municipalities, and measured outcomes by
questionnaire at the end of the course. QPR-15 at the end of the course: 37.3 vs 32.1, difference
5.1 (95% CI 2.4-7.8), d = 0.43. Effects on personal recovery, functioning, quality of life, hope
and general self-efficacy; no significant difference in empowerment, self-advocacy or social
relations.

**Design.** A trial is a study (peersim/data/study.py): ``studies/peer_trial.toml`` is the PEER
trial as run, and any study file can stand in for it (``study=``). Its arms, group size,
recruitment waves (the earliest under COVID-19 restrictions), missing outcomes and measurement
are simulated by :mod:`peersim.studies.virtual` (the one place a study is simulated; its
docstring says how); the design values our sources do not give are graded ``assumption`` in the
study file's ``[evidence]``.

**Analysis** (the headline, the study's ``analysis.method``; the PEER trial's is the mixed model):
for every compared arm against the reference and every outcome, on the people whose
outcome was observed (complete cases; unbiased when missingness depends on baseline and arm
only, i.e. missing at random given the covariates; leaving the course is not such a cause, which
is why the share lost among leavers matters), the partially nested linear mixed model

    y = b0 + b1 treat + b2 baseline + u_group treat + e

fitted by REML (:mod:`peersim.stats.mixed`, checked against statsmodels' MixedLM; ``ancova``: the
same without the group effect, by least squares; ``unadjusted``: Welch on the observed): the
baseline-adjusted difference b1 with its 95% interval and p-value (normal, as statsmodels), the
ICC var_u / (var_u + var_e), and Cohen's d = b1 / the pooled within-arm SD of the outcome at the
end of the course among the analysed (its interval: the difference's interval over the same SD).
The unadjusted comparisons of the earlier virtual trial stay, on every randomised person with no
outcome missing (what the model knows and a trial cannot): ``intention to treat`` and
``completers`` (Welch's t-test, Cohen's d with the Hedges & Olkin interval). Arm means carry 95%
intervals over groups in the PEER arm and over people in the control arm (:mod:`.stats`).

**Outcomes** (``TRIAL_OUTCOMES``; ``TRIAL_MEASURES`` names each one's instrument and what the trial
found): personal recovery (QPR-15, through the measurement model), hope, self-efficacy and social
relations, and two CHIME components the trial did not report on their own (self-image, meaning).
Social relations is ONE definition, shared with the calibration
(:func:`peersim.studies.virtual.social_relations`): relations outside the course, as the trial's
questionnaire asks about them: 1 - the person's own loneliness before the course, relieved by
bridging to the wider community only (ties in the group are connectedness, inside the QPR-15's
composite). Until issue 18 it counted ties in the group too, and the model contradicted the
trial's null. Not modelled
(``NOT_MODELLED``, with reasons, also printed with every trial): empowerment, self-advocacy,
functioning and quality of life.

**The population** is the scenario's (``Params`` population group, or ``population=``): by
default it mirrors the eleven interviewees of the qualitative study, not the trial's 296. The
trial's baseline characteristics (its Table 1) were not available to us (a search of the stored
pages found the abstracts of the results and the protocol only), so no trial population is
offered; the default population is an assumption for the trial as for everything else.

With ``trials=K`` the same design is run K times with other people (other run indices): the
spread of d, the ICC and the share of trials with p < 0.05 are what trials of that size could see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from peersim.core.params import Params
from peersim.data.study import Study, as_study, peer_trial
from peersim.run.draws import uncertainty_mode
from peersim.stats.effects import Z95, cohens_d, pooled_sd
from peersim.stats.effects import welch as _welch
from peersim.stats.mixed import fit_many
from peersim.studies.virtual import simulate_study

TRIAL_OUTCOMES = {
    "qpr_end": "personal recovery, QPR-15 (0-60)",
    "hope_end": "hope (0-1)",
    "self_efficacy_end": "self-efficacy (0-1)",
    "social_relations_end": "social relations outside the course (0-1)",
    "self_image_end": "self-image (0-1)",
    "meaning_end": "meaning (0-1)",
}

#: For each outcome: the trial's instrument and what the trial found (Poulsen et al. 2025).
TRIAL_MEASURES = {
    "qpr_end": ("QPR-15 (primary)", "effect: 5.1 points [2.4, 7.8], d = 0.43"),
    "hope_end": ("State Hope Scale (exploratory)", "effect"),
    "self_efficacy_end": ("General Self-efficacy Scale (exploratory)", "effect"),
    "social_relations_end": (
        "modified Copenhagen Social Relations Questionnaire (exploratory)",
        "no significant difference",
    ),
    "self_image_end": ("not measured on its own (CHIME identity, inside QPR-15)", "-"),
    "meaning_end": ("not measured on its own (CHIME meaning, inside QPR-15)", "-"),
}

#: The trial's outcomes the model has no state for, and why.
NOT_MODELLED = {
    "empowerment (Empowerment Scale; trial: no significant difference)": (
        "no state of its own: self-efficacy stands in for CHIME empowerment inside the recovery"
        " composite, so an empowerment row would repeat the self-efficacy row and claim a"
        " difference the model cannot make (docs/ODD.md 2.1)"
    ),
    "self-advocacy (Self-advocacy Scale; trial: no significant difference)": (
        "no state: the seed's one hedged sentence (safety 'possibly increased the ability to speak"
        " up for themselves') gives no mechanism beyond safety (docs/ODD.md 2.1)"
    ),
    "functioning (WSAS; trial: effect)": (
        "no state: the model follows recovery processes (CHIME), sprouts and realised changes,"
        " not work and social functioning; a mapping would be a new measurement model without evidence"
    ),
    "quality of life (MANSA; trial: effect)": (
        "no state: quality of life (satisfaction with life domains) is not among the model's"
        " states, and no measurement model links them to it"
    ),
}

#: the unadjusted comparisons every trial reports beside the study's own analysis
UNADJUSTED = ("intention to treat", "completers")


def effect(treated: np.ndarray, control: np.ndarray) -> dict[str, float]:
    """Mean difference (95% CI, Welch), Cohen's d (pooled SD; 95% CI by the normal approximation
    of Hedges & Olkin 1985) and Welch's two-sided p-value."""
    treated = np.asarray(treated, dtype=float)
    control = np.asarray(control, dtype=float)
    n1, n2 = len(treated), len(control)
    out = _welch(treated.mean(), control.mean(), treated.var(ddof=1), control.var(ddof=1), n1, n2)
    return {k: (float(v) if k not in ("n_peer", "n_control") else int(v)) for k, v in out.items()}


@dataclass
class TrialResult:
    """``table``: one row per (trial, compared arm, analysis, outcome); ``summary()``: across
    trials; ``participants``: every arm, one row per randomised person (``arm``: its name in the
    study, ``trial``, ``group``, ``covid``, ``missing``, the outcomes at baseline and end,
    measured and latent)."""

    table: pd.DataFrame
    params: Params
    study: Study
    trials: int
    seed: int
    participants: pd.DataFrame | None = None

    @property
    def n_peer(self) -> int:
        """People in the (first) compared arm."""
        return self.study.compared[0].people

    @property
    def n_control(self) -> int:
        """People in the reference arm."""
        return self.study.reference.people

    @property
    def n_per_arm(self) -> int | None:
        """The arm size when every arm is of one size, else None."""
        sizes = {a.people for a in self.study.arms}
        return sizes.pop() if len(sizes) == 1 else None

    def summary(self) -> pd.DataFrame:
        """Per analysis and outcome, across trials: mean difference, d (mean, SD, 2.5th, 50th and
        97.5th percentile), the share of trials with p < 0.05, each arm's mean (and percentiles),
        and for the mixed model the ICC (mean and percentiles)."""
        numeric = ["difference", "cohens_d", "mean_peer", "mean_control", "icc", "p_value"]
        # an analysis no trial could estimate (an arm with no observed outcome) is all NaN
        t = self.table.astype({c: float for c in numeric if c in self.table})
        by = t.groupby(["arm", "analysis", "outcome"], sort=False)
        q = by[["cohens_d", "mean_peer", "mean_control", "icc"]]
        low, mid, high = q.quantile(0.025), q.quantile(0.5), q.quantile(0.975)
        columns = ["difference", "cohens_d", "mean_peer", "mean_control", "icc", "n_peer", "n_control"]
        mean = by[columns].mean()
        out = pd.DataFrame(
            {
                "trials": by.size(),
                "difference_mean": mean.difference,
                "d_mean": mean.cohens_d,
                "d_sd": by.cohens_d.std(ddof=1),
                "d_p2_5": low.cohens_d,
                "d_p50": mid.cohens_d,
                "d_p97_5": high.cohens_d,
                "share_significant": by.p_value.apply(lambda p: float((p < 0.05).mean())),
                "peer_mean": mean.mean_peer,
                "peer_p2_5": low.mean_peer,
                "peer_p97_5": high.mean_peer,
                "control_mean": mean.mean_control,
                "control_p2_5": low.mean_control,
                "control_p97_5": high.mean_control,
                "icc_mean": mean.icc,
                "icc_p2_5": low.icc,
                "icc_p97_5": high.icc,
                "n_peer_mean": mean.n_peer,
                "n_control_mean": mean.n_control,
            }
        )
        return out.reset_index()


def trial(
    params: Params | None = None,
    n_per_arm: int | None = None,
    seed: int = 0,
    trials: int = 1,
    uncertainty: str = "none",
    posterior: pd.DataFrame | None = None,
    population=None,
    progress: bool = False,
    n_peer: int | None = None,
    n_control: int | None = None,
    study: Study | str | None = None,
) -> TrialResult:
    """Run ``trials`` virtual copies of ``study`` (default the PEER trial as run,
    ``studies/peer_trial.toml``) under the scenario ``params``, analysed as the study says.
    ``n_peer`` sets every group arm's people, ``n_control`` every control arm's, ``n_per_arm``
    both (default: the study's, for the PEER trial 145 and 151).

    ``population`` (a table of participants, as for ``simulate``) makes every group of every arm,
    and every control block, those people (with their own draws in each group); its length is the
    group size. ``progress`` shows progress while the arms are simulated.

    ``uncertainty="posterior"``: each trial takes one posterior draw (chosen by weight from seed
    and trial number; all its arms and groups share it), so the spread of d over trials is what
    trials could see given what we know of the parameters, not only which people came.
    """
    params = params or Params()
    study = as_study(study)
    if params.group_size != Params().group_size:  # a scenario with its own group size regroups
        study = study.regrouped(params.group_size)
    if population is not None:
        from peersim.core.population import sized_for, validate_population

        population = validate_population(population, params)
        params = sized_for(params, population)
        study = study.regrouped(params.group_size)
    if n_per_arm is not None and (n_peer is not None or n_control is not None):
        raise ValueError("give n_per_arm (both arms) or n_peer and n_control, not both")
    if n_per_arm is not None:
        _check_count("n_per_arm", n_per_arm, 2)
        n_peer = n_control = n_per_arm
    for name, value in (("n_peer", n_peer), ("n_control", n_control)):
        if value is not None:
            _check_count(name, value, 2)
    study = study.resized(peer=n_peer, control=n_control)
    _check_count("trials", trials, 1)
    uncertainty = uncertainty_mode(uncertainty)
    if uncertainty == "posterior":
        from peersim.run.draws import pick_draws, posterior_draws

        sets, weights = posterior_draws(params, posterior)
        of_copy = pick_draws(weights, seed, np.arange(trials), stream="posterior.trial")
    else:
        sets, of_copy = None, np.zeros(trials, dtype=np.int64)
    people = simulate_study(
        study, sets, of_copy, seed=seed, base=params, population=population, progress=progress
    )
    people = (
        people.rename(columns={"set": "draw"}) if uncertainty == "posterior" else people.drop(columns="set")
    )
    table = analyse(people, study)
    return TrialResult(table, params, study, trials, seed, people)


def analyse(people: pd.DataFrame, study: Study, outcomes: Sequence[str] | None = None) -> pd.DataFrame:
    """The study's analysis of every compared arm against the reference, per trial and outcome
    (``outcomes``: the keys of TRIAL_OUTCOMES, default all), then the unadjusted comparisons on
    everyone randomised: one row per (trial, arm, analysis, outcome)."""
    outcomes = list(TRIAL_OUTCOMES) if outcomes is None else list(outcomes)
    trials = int(people.trial.max()) + 1
    parts = []
    for arm, pair in _pairs(people, study):
        for rows in (
            _adjusted_rows(pair, study.analysis, outcomes, trials),
            _welch_rows(pair, False, outcomes, trials),
            _welch_rows(pair, True, outcomes, trials),
        ):
            rows.insert(1, "arm", arm.name)
            parts.append(rows)
    table = pd.concat(parts, ignore_index=True)
    if "icc" not in table:  # an unadjusted headline has no group variance
        table["icc"] = np.nan
    analyses = [study.analysis, *UNADJUSTED]
    table["analysis"] = pd.Categorical(table["analysis"], analyses)
    table["outcome"] = pd.Categorical(table["outcome"], outcomes)
    table["arm"] = pd.Categorical(table["arm"], [a.name for a in study.compared])
    table = table.sort_values(["trial", "arm", "analysis", "outcome"], ignore_index=True)
    for c in ("analysis", "outcome", "arm"):
        table[c] = table[c].astype(str)
    if "draw" in people:
        draws = people.groupby("trial").draw.first()
        table.insert(1, "draw", draws.reindex(table.trial).to_numpy())
    return table


def headline(people: pd.DataFrame, study: Study, outcomes: Sequence[str], trials: int) -> pd.DataFrame:
    """The study's own analysis only (no unadjusted comparisons): what the calibration needs."""
    parts = []
    for arm, pair in _pairs(people, study):
        rows = _adjusted_rows(pair, study.analysis, list(outcomes), trials)
        rows.insert(1, "arm", arm.name)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


def _pairs(people: pd.DataFrame, study: Study):
    """Each compared arm with its people and the reference's, ``arm`` recoded 1 (compared) and
    0 (reference), as the analyses read it."""
    for arm in study.compared:
        pair = people[people.arm.isin((arm.name, study.reference.name))]
        yield arm, pair.assign(arm=(pair.arm == arm.name).astype(int))


def _check_count(name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} = {value!r} must be a whole number >= {low}")


# --- analyses -----------------------------------------------------------------------------------
def _long(people: pd.DataFrame, rows: pd.Series, outcomes: Sequence[str]) -> pd.DataFrame:
    """One row per (person in ``rows``, outcome): trial, arm, group, baseline and end values."""
    sub = people[rows]
    parts = []
    for outcome in outcomes:
        state = outcome.removesuffix("_end")
        parts.append(
            pd.DataFrame(
                {
                    "trial": sub["trial"].to_numpy(),
                    "outcome": outcome,
                    "arm": sub["arm"].to_numpy(),
                    "group": sub["group"].to_numpy(),
                    "baseline": sub[f"{state}_baseline_measured"].to_numpy(float),
                    "y": sub[f"{state}_end_measured"].to_numpy(float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _both_arms(wide: pd.DataFrame, statistics) -> pd.DataFrame:
    """``statistics`` by arm (columns (statistic, arm)) with both arms present: an arm with no
    observed outcome in any trial (everyone's outcome missing, nobody completed) gets NaN, and
    its comparisons come out empty instead of failing."""
    return wide.reindex(columns=pd.MultiIndex.from_product([list(statistics), [0, 1]]))


def _arm_means(long: pd.DataFrame) -> pd.DataFrame:
    """Each arm's mean per (trial, outcome) with its 95% interval: over groups in the PEER arm
    (the cluster-robust ratio estimator of :mod:`.stats`), over people in the control arm."""
    long = long.assign(cluster=np.where(long.arm == 1, long.group, np.arange(len(long))))
    sums = long.groupby(["trial", "outcome", "arm", "cluster"], sort=False).y.agg(["sum", "size"])
    keys = ["trial", "outcome", "arm"]
    total = sums.groupby(level=keys).sum()
    ratio = total["sum"] / total["size"]
    resid = sums["sum"] - ratio.reindex(sums.index.droplevel("cluster")).to_numpy() * sums["size"]
    g = sums.groupby(level=keys).size()
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(g / (g - 1) * (resid**2).groupby(level=keys).sum()) / total["size"]
    out = pd.DataFrame({"mean": ratio, "low": ratio - Z95 * se, "high": ratio + Z95 * se})
    wide = _both_arms(out.unstack("arm"), out.columns)
    return pd.DataFrame(
        {
            "mean_peer": wide[("mean", 1)],
            "mean_control": wide[("mean", 0)],
            "peer_low": wide[("low", 1)],
            "peer_high": wide[("high", 1)],
            "control_low": wide[("low", 0)],
            "control_high": wide[("high", 0)],
        }
    )


def _observed_fits(columns, method: str, outcomes: list[str], trials: int) -> dict:
    """The study's model (mixed model or ANCOVA) per trial and outcome, and each arm's variance
    and count of the analysed outcome, from ``columns``: arrays of the observed rows of one
    comparison (``trial``, ``arm`` 1 compared / 0 reference, ``group``, and each outcome's
    ``<state>_baseline_measured`` and ``<state>_end_measured``). Fit f is (trial f // outcomes,
    outcome f % outcomes). The trial command and the calibration's statistics both read it."""
    size = len(columns["trial"])
    code = np.repeat(np.arange(len(outcomes)), size)
    trial = np.tile(columns["trial"], len(outcomes))
    arm = np.tile(columns["arm"], len(outcomes))
    group = np.tile(columns["group"], len(outcomes))
    states = [o.removesuffix("_end") for o in outcomes]
    baseline = np.concatenate([np.asarray(columns[f"{s}_baseline_measured"], dtype=float) for s in states])
    y = np.concatenate([np.asarray(columns[f"{s}_end_measured"], dtype=float) for s in states])
    fit = trial * len(outcomes) + code
    fits = fit_many(fit, y, arm, baseline, group, groups_effect=method == "mixed model")
    fits = fits.reindex(range(trials * len(outcomes)))
    # each arm's variance and count per fit (pandas' one-pass variance, as the arm means' tables)
    by_arm = pd.Series(y).groupby(fit * 2 + arm).agg(["var", "count"])
    cell = by_arm.index.to_numpy()
    moments = {}
    for name in ("var", "count"):
        both = np.full((trials * len(outcomes), 2), np.nan)
        both[cell // 2, cell % 2] = by_arm[name].to_numpy(float)
        moments[name] = both
    v1, v0 = moments["var"][:, 1], moments["var"][:, 0]
    n1, n0 = moments["count"][:, 1], moments["count"][:, 0]
    return {
        "long": {"trial": trial, "code": code, "arm": arm, "group": group, "baseline": baseline, "y": y},
        "fits": fits,
        "pooled": pooled_sd(v1, v0, n1, n0),
        "n1": n1,
        "n0": n0,
    }


def _columns(people: pd.DataFrame, rows, outcomes: Sequence[str], arm=None) -> dict[str, np.ndarray]:
    """The arrays :func:`_observed_fits` reads, of ``people``'s ``rows`` (positions or a mask);
    ``arm`` (0/1 per row of ``rows``) stands in for the column where it holds arm names."""
    names = ["trial", "group"] + (["arm"] if arm is None else [])
    for o in outcomes:
        state = o.removesuffix("_end")
        names += [f"{state}_baseline_measured", f"{state}_end_measured"]
    columns = {n: people[n].to_numpy()[rows] for n in dict.fromkeys(names)}
    return columns if arm is None else {**columns, "arm": arm}


def headline_effects(people: pd.DataFrame, study: Study, outcomes: Sequence[str], trials: int) -> dict:
    """The study's own analysis as :func:`headline` gives it, the difference, Cohen's d and its
    standard error only: {(arm, outcome): {"difference", "cohens_d", "se_d": per trial}} (NaN
    where a trial has none). What the calibration's statistics read, without the tables they do not."""
    outcomes = list(outcomes)
    if study.analysis == "unadjusted":  # Welch on the observed: the table's own path
        table = headline(people, study, outcomes, trials).set_index(["trial", "arm", "outcome"])
        index = pd.RangeIndex(trials)
        out = {
            (a.name, o): {
                c: table.xs((a.name, o), level=("arm", "outcome"))[c].reindex(index).to_numpy(float)
                for c in ("difference", "cohens_d", "d_low", "d_high")
            }
            for a in study.compared
            for o in outcomes
        }
        for effect in out.values():  # the standard error of d as a reader recovers it
            effect["se_d"] = (effect.pop("d_high") - effect.pop("d_low")) / (2.0 * Z95)
        return out
    code, names = pd.factorize(people["arm"])
    observed = ~people["missing"].to_numpy()
    known = {n: i for i, n in enumerate(names)}
    out = {}
    for arm in study.compared:
        treated = code == known.get(arm.name, -1)
        rows = np.flatnonzero((treated | (code == known.get(study.reference.name, -1))) & observed)
        columns = _columns(people, rows, outcomes, arm=treated[rows].astype(int))
        got = _observed_fits(columns, study.analysis, outcomes, trials)
        fits = got["fits"]
        effect = fits.effect.to_numpy()
        d = cohens_d(effect, got["pooled"])
        # the standard error of d as a reader recovers it from the reported interval
        width = cohens_d(fits.effect_high.to_numpy(), got["pooled"]) - cohens_d(
            fits.effect_low.to_numpy(), got["pooled"]
        )
        se = width / (2.0 * Z95)
        for i, o in enumerate(outcomes):
            each = slice(i, None, len(outcomes))
            out[arm.name, o] = {"difference": effect[each], "cohens_d": d[each], "se_d": se[each]}
    return out


def _adjusted_rows(people: pd.DataFrame, method: str, outcomes: list[str], trials: int) -> pd.DataFrame:
    """The study's own analysis, per trial and outcome, on the observed outcomes: the mixed model,
    the ANCOVA (the same without the group effect), or unadjusted (Welch on the observed)."""
    if method == "unadjusted":
        return _welch_rows(people, False, outcomes, trials, observed=True)
    got = _observed_fits(_columns(people, ~people["missing"].to_numpy(), outcomes), method, outcomes, trials)
    fits, pooled, n1, n0 = got["fits"], got["pooled"], got["n1"], got["n0"]
    long = got["long"]
    long = pd.DataFrame(
        {
            "trial": long["trial"],
            "outcome": np.asarray(outcomes, dtype=object)[long["code"]],
            "arm": long["arm"],
            "group": long["group"],
            "baseline": long["baseline"],
            "y": long["y"],
        }
    )
    index = pd.MultiIndex.from_product([range(trials), outcomes], names=["trial", "outcome"])
    means = _arm_means(long).reindex(index)
    allocated = people.groupby(["trial", "arm"]).size().unstack("arm")
    missing = people.groupby(["trial", "arm"]).missing.mean().unstack("arm")
    covid = people[people.arm == 1].groupby("trial").covid.mean()
    t = index.get_level_values("trial")
    d = cohens_d(fits.effect.to_numpy(), pooled)
    return pd.DataFrame(
        {
            "trial": t,
            "analysis": method,
            "outcome": index.get_level_values("outcome"),
            "n_peer": np.nan_to_num(n1).astype(int),
            "n_control": np.nan_to_num(n0).astype(int),
            **{c: means[c].to_numpy() for c in means.columns},
            "difference": fits.effect.to_numpy(),
            "diff_low": fits.effect_low.to_numpy(),
            "diff_high": fits.effect_high.to_numpy(),
            "cohens_d": d,
            "d_low": cohens_d(fits.effect_low.to_numpy(), pooled),
            "d_high": cohens_d(fits.effect_high.to_numpy(), pooled),
            "p_value": fits.p_value.to_numpy(),
            "icc": fits.icc.to_numpy(),
            "var_group": fits.var_group.to_numpy(),
            "var_resid": fits.var_resid.to_numpy(),
            "baseline_coef": fits.baseline_coef.to_numpy(),
            "groups": fits.groups.to_numpy(),
            "randomised_peer": allocated[1].reindex(t).to_numpy(),
            "randomised_control": allocated[0].reindex(t).to_numpy(),
            "missing_peer": missing[1].reindex(t).to_numpy(),
            "missing_control": missing[0].reindex(t).to_numpy(),
            "covid_share_peer": covid.reindex(t).to_numpy(),
        }
    )


def _welch_rows(
    people: pd.DataFrame, completers: bool, outcomes: list[str], trials: int, observed: bool = False
) -> pd.DataFrame:
    """Unadjusted comparisons on every randomised person (nobody missing): intention to treat,
    or completers (PEER participants who stayed) against all controls; with ``observed``, the
    study's unadjusted analysis: everyone whose outcome was observed."""
    rows = (people.arm == 0) | ~people.dropped_out.astype(bool) if completers else people.arm >= 0
    if observed:
        rows = ~people["missing"]
    long = _long(people, rows, outcomes)
    stats_ = long.groupby(["trial", "outcome", "arm"]).y.agg(["mean", "var", "count"]).unstack("arm")
    stats_ = _both_arms(stats_, ["mean", "var", "count"])
    index = pd.MultiIndex.from_product([range(trials), outcomes], names=["trial", "outcome"])
    stats_ = stats_.reindex(index)
    n1 = stats_[("count", 1)].fillna(0).to_numpy()
    keep = n1 >= 2  # a trial whose PEER arm all left has no completers' comparison
    out = _welch(
        *(stats_[(s, a)].to_numpy() for s, a in (("mean", 1), ("mean", 0), ("var", 1), ("var", 0))),
        n1,
        stats_[("count", 0)].to_numpy(),
    )
    frame = pd.DataFrame(
        {
            "trial": index.get_level_values("trial"),
            "analysis": "unadjusted" if observed else "completers" if completers else "intention to treat",
            "outcome": index.get_level_values("outcome"),
            **out,
        }
    )
    means = _arm_means(long).reindex(index)
    for c in ("peer_low", "peer_high", "control_low", "control_high"):
        frame[c] = means[c].to_numpy()
    frame["n_peer"] = frame["n_peer"].astype(int)
    frame["n_control"] = frame["n_control"].astype(int)
    return frame[keep].reset_index(drop=True)


# --- output -------------------------------------------------------------------------------------
def format_trial(result: TrialResult) -> str:
    study = result.study
    people = result.participants
    grouped = people[people.arm.isin([a.name for a in study.arms if not a.control])]
    covid = grouped.covid.mean() if len(grouped) else np.nan
    arms = ", ".join(f"{a.people} {a.name} ({a.kind})" for a in study.arms)
    lines = [
        f"Virtual trial of {study.name}: {arms}; groups of {study.group_size}, seed {result.seed}"
        + (f", {result.trials} trials" if result.trials > 1 else ""),
        f"  recruitment in {study.waves} waves; group participants under COVID-19 restrictions:"
        f" {covid:.0%}; outcome missing: {study.missing_stayed:.0%} (stayed, controls),"
        f" {study.missing_leavers:.0%} (left the course)",
    ]
    if study.name == peer_trial().name:  # the real trial beside its virtual copies
        lines.append(
            "PEER trial (Poulsen et al. 2025): QPR-15 37.3 vs 32.1, difference 5.1 [2.4, 7.8], d = 0.43"
        )
    lines.append("")
    several = len(study.compared) > 1
    if result.trials == 1:
        for (arm, analysis), sub in result.table.groupby(["arm", "analysis"], sort=False):
            lines.append(
                (f"{arm} against {study.reference.name}: " if several else "")
                + _analysis_title(analysis, sub)
            )
            icc = analysis in ("mixed model", "ancova")
            lines.append(
                f"  {'':40s} {'PEER [95% CI]':>20s}  {'control [95% CI]':>20s}  {'difference [95% CI]':>21s}"
                f"  {'d [95% CI]':>20s}  {'p':>7s}" + ("  ICC" if icc else "")
            )
            for r in sub.itertuples():
                digits = 1 if r.outcome == "qpr_end" else 3
                lines.append(
                    f"  {TRIAL_OUTCOMES[r.outcome]:40s}"
                    f" {_ci(r.mean_peer, r.peer_low, r.peer_high, digits):>20s}"
                    f"  {_ci(r.mean_control, r.control_low, r.control_high, digits):>20s}"
                    f"  {_ci(r.difference, r.diff_low, r.diff_high, digits, '+'):>21s}"
                    f"  {_ci(r.cohens_d, r.d_low, r.d_high, 2, '+'):>20s}  {r.p_value:7.2g}"
                    + (f"  {r.icc:.3f}" if icc else "")
                )
            lines.append("")
        lines.append(
            "Arm means: observed values, 95% intervals over groups in the PEER arm, over people in the"
            " control arm. Mixed model: difference adjusted for baseline, PEER groups as a random effect."
        )
    else:
        summary = result.summary()
        lines.append(
            "Across trials: each arm's mean, Cohen's d and the ICC, mean [2.5th, 97.5th percentile];"
            " share of trials with p < 0.05"
        )
        lines.append(f"  {'':18s} {'':40s} {'arm':>21s}  {'control':>21s}  {'d':>21s}  {'p<0.05':>6s}  ICC")
        for r in summary.itertuples():
            digits = 1 if r.outcome == "qpr_end" else 3
            icc = _ci(r.icc_mean, r.icc_p2_5, r.icc_p97_5, 3) if r.analysis == "mixed model" else ""
            lines.append(
                (f"  {r.arm}: " if several else "") + f"  {r.analysis:18s} {TRIAL_OUTCOMES[r.outcome]:40s}"
                f" {_ci(r.peer_mean, r.peer_p2_5, r.peer_p97_5, digits):>21s}"
                f"  {_ci(r.control_mean, r.control_p2_5, r.control_p97_5, digits):>21s}"
                f"  {_ci(r.d_mean, r.d_p2_5, r.d_p97_5, 2, '+'):>21s}  {r.share_significant:6.0%}  {icc}"
            )
        lines.append(
            "Mixed model: baseline-adjusted, PEER groups as a random effect, observed outcomes."
            " Intention to treat, completers: unadjusted (Welch), everyone randomised, nobody missing."
        )
    lines += ["", "The trial's outcomes: instrument and what the trial found"]
    for outcome, (instrument, found) in TRIAL_MEASURES.items():
        lines.append(f"  {TRIAL_OUTCOMES[outcome]:40s} {instrument}; {found}")
    lines.append("Not modelled:")
    for name, reason in NOT_MODELLED.items():
        lines.append(f"  {name}: {reason}")
    return "\n".join(lines)


def _analysis_title(analysis: str, sub: pd.DataFrame) -> str:
    n = f"PEER n={int(sub.n_peer.max())}, control n={int(sub.n_control.max())}"
    if analysis == "mixed model":
        groups = int(np.nan_to_num(sub.groups.max()))
        return f"mixed model, baseline-adjusted, observed outcomes ({n}; {groups} PEER groups):"
    if analysis == "ancova":
        return f"ANCOVA, baseline-adjusted, observed outcomes ({n}):"
    if analysis == "unadjusted":
        return f"unadjusted (Welch), observed outcomes ({n}):"
    if analysis == "intention to treat":
        return f"unadjusted (Welch), intention to treat, nobody missing ({n}):"
    return f"unadjusted (Welch), completers against all controls, nobody missing ({n}):"


def _ci(value: float, low: float, high: float, digits: int, sign: str = "") -> str:
    return f"{value:{sign}.{digits}f} [{low:{sign}.{digits}f}, {high:{sign}.{digits}f}]"
