"""Discriminating patterns (peersim/studies/patterns.py): the pattern table runs, its values are the
direct computations on the simulated tables, the jackknife separates sampling noise from parameter
uncertainty, the groups-needed formula gives the textbook answer, and every rival theory differs
from the seed's on at least one pattern a study could measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from peersim import THEORIES, Params, simulate
from peersim.data.register import register
from peersim.inference.calibration import eligible
from peersim.run.arms import CONTROL_RUNS
from peersim.studies.patterns import (
    EARLY_SESSION,
    PAIR_COLUMNS,
    PATTERNS,
    discriminating_patterns,
    groups_needed,
)

RIVALS = [name for name in THEORIES if name != "seed"]


def _defaults(n: int) -> pd.DataFrame:
    return pd.DataFrame(index=range(n))


# --- the groups-needed formula --------------------------------------------------------------------
def test_groups_needed_is_the_textbook_sample_size_without_parameter_uncertainty():
    # tau = 0, sigma = 1 for both, delta = 0.5: n = ((z_.975 + z_.8) / 0.5)^2 = 31.4 -> 32
    z = norm.ppf(0.975) + norm.ppf(0.8)
    assert groups_needed(0.5, 0.0, 1.0, 0.0, 1.0)[()] == np.ceil((z / 0.5) ** 2) == 32
    assert groups_needed(-0.5, 0.0, 1.0, 0.0, 1.0)[()] == 32  # the sign does not matter
    assert groups_needed(0.5, 0.0, 1.0, 0.0, 1.0, power=0.9)[()] == np.ceil(
        ((norm.ppf(0.975) + norm.ppf(0.9)) / 0.5) ** 2
    )
    # no difference, or parameter uncertainty alone overlapping: not at any size
    assert np.isinf(groups_needed(0.0, 0.0, 1.0, 0.0, 1.0)[()])
    # tau_A = 0.3: with B true, a value must clear A's interval, z_.975 * 0.3 = 0.59 > 0.5 even
    # with infinitely many groups, so no study size tells them apart
    assert np.isinf(groups_needed(0.5, 0.3, 1.0, 0.0, 1.0)[()])
    assert np.isnan(groups_needed(np.nan, 0.0, 1.0, 0.0, 1.0)[()])


def test_groups_needed_with_unequal_spreads_is_the_smallest_size_that_works_both_ways():
    delta, ta, sa, tb, sb = 0.4, 0.05, 0.8, 0.1, 1.5
    za, zb = norm.ppf(0.975), norm.ppf(0.8)

    def works(n):
        s_a, s_b = np.sqrt(ta**2 + sa**2 / n), np.sqrt(tb**2 + sb**2 / n)
        return delta > za * s_b + zb * s_a and delta > za * s_a + zb * s_b

    brute = next(n for n in range(1, 100_000) if works(n))
    got = groups_needed(delta, ta, sa, tb, sb)[()]
    assert got == brute
    # broadcasting over arrays
    many = groups_needed(np.array([0.5, 0.4]), 0.0, 1.0, 0.0, 1.0)
    assert many.shape == (2,) and many[0] == 32 and many[1] > 32


# --- the pattern table ---------------------------------------------------------------------------
def test_the_pattern_table_runs_on_tiny_inputs_with_prior_draws_and_weights():
    names = eligible(["dropout_intercept", "share_intercept", "tie_rate"])
    rng = np.random.default_rng(1)
    u = rng.random((3, len(names)))
    prior = pd.DataFrame({n: register()[n].prior.ppf(u[:, i]) for i, n in enumerate(names)})
    prior["weight"] = [0.5, 0.3, 0.2]
    result = discriminating_patterns({"seed": _defaults(2), "common_factors": prior}, groups=3, seed=2)
    n = len(PATTERNS)
    assert len(result.theories) == 2 * n and len(result.pairs) == n
    assert list(result.pairs.columns) == list(PAIR_COLUMNS)  # those of a single theory's empty table
    assert {"theory", "pattern", "measurement", "mean", "sd", "low", "high", "param_sd", "group_sd"} <= set(
        result.theories.columns
    )
    assert set(result.pairs.pair) == {"seed vs common_factors"}
    assert len(result.studies) == (2 + 3) * n
    again = discriminating_patterns({"seed": _defaults(2), "common_factors": prior}, groups=3, seed=2)
    pd.testing.assert_frame_equal(again.studies, result.studies)  # the seed alone decides
    at = result.spread(3).set_index(["theory", "pattern"])
    np.testing.assert_allclose(at.study_sd, result.theories.set_index(["theory", "pattern"]).study_sd)
    assert (result.spread(300).sampling_sd <= at.sampling_sd.to_numpy() / 9.9).all()
    best = result.best(top=2)
    assert len(best) == 2 and set(best.pattern) <= {p.name for p in PATTERNS}
    assert "seed vs common_factors" in result.format()
    fig = result.figure()
    assert len(fig.axes) >= n
    import matplotlib.pyplot as plt

    plt.close(fig)
    with pytest.raises(ValueError, match="theory"):
        discriminating_patterns({"bogus": _defaults(1)}, groups=3)
    with pytest.raises(ValueError, match="design"):
        discriminating_patterns({"seed": pd.DataFrame({"covid_restrictions": [True]})}, groups=3)
    with pytest.raises(ValueError, match="unknown pattern"):
        discriminating_patterns({"seed": _defaults(1)}, groups=3, patterns=("bogus",))
    with pytest.raises(ValueError, match="2 groups"):
        discriminating_patterns({"seed": _defaults(1)}, groups=1)


def test_pattern_values_are_the_direct_computations_on_the_simulated_tables():
    groups, draw = 6, 1  # the second draw: runs 6..11 (control: CONTROL_RUNS + 6..11)
    result = discriminating_patterns({"seed": _defaults(2)}, groups=groups, seed=4)
    assert result.pairs.empty and list(result.pairs.columns) == list(PAIR_COLUMNS)  # one theory: no pairs
    got = result.studies[result.studies.draw == draw].set_index("pattern")["value"]
    runs = {"runs": groups, "seed": 4, "first_run": draw * groups}
    sim = simulate(Params(), record="sessions", **runs)
    p, s = sim.participants, sim.sessions
    c = simulate(Params(control_arm=True), runs=groups, seed=4, first_run=CONTROL_RUNS + draw * groups)
    c = c.participants
    off = simulate(Params(disabled_mechanisms=("safety",)), **runs).participants

    def d(a, b):
        pooled = np.sqrt(((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / (len(a) + len(b) - 2))
        return (a.mean() - b.mean()) / pooled

    left = p[p.dropped_out]
    assert got["dropout_rate"] == pytest.approx(p.dropped_out.mean())
    assert got["left_within_3_sessions"] == pytest.approx((left.dropout_session <= EARLY_SESSION).mean())
    slope = np.polyfit(p.sessions_attended, p.qpr_end - p.qpr_baseline, 1)[0]
    assert got["dose_response"] == pytest.approx(slope)
    assert got["trial_effect"] == pytest.approx(d(p.qpr_end, c.qpr_end))
    assert got["safety_knockout"] == pytest.approx(d(off.qpr_end, c.qpr_end) - d(p.qpr_end, c.qpr_end))
    assert got["followup_change"] == pytest.approx((p.qpr_followup - p.qpr_end).mean())
    gap = left.difference_from_group.mean() - p[~p.dropped_out].difference_from_group.mean()
    assert got["leavers_difference_gap"] == pytest.approx(gap, rel=1e-5)  # float32 states
    # connectedness at the session a leaver left, minus their group's completers' that session
    gaps = []
    for _, leaver in left.iterrows():
        week = s[(s.run == leaver.run) & (s.week == leaver.dropout_session)]
        done = p[(p.run == leaver.run) & ~p.dropped_out].member
        if len(done):
            own = week[week.member == leaver.member].connectedness.item()
            gaps.append(own - week[week.member.isin(done)].connectedness.mean())
    assert len(gaps) > 0
    assert got["leavers_connectedness_gap"] == pytest.approx(np.mean(gaps), rel=1e-5)


# --- sampling noise and parameter uncertainty ----------------------------------------------------
def test_the_jackknife_predicts_the_spread_of_studies_and_parameter_uncertainty_stays():
    # every draw the defaults: the spread across draws is sampling noise alone, which the
    # per-group variance (from within each study) must predict: sd ~ group_sd / sqrt(groups)
    groups = 8
    names = ("trial_effect", "dose_response", "dropout_rate")
    same = discriminating_patterns({"seed": _defaults(40)}, groups=groups, seed=6, patterns=names)
    same = same.theories.set_index("pattern")
    for name, row in same.iterrows():
        assert 0.7 < row["sd"] / (row["group_sd"] / np.sqrt(groups)) < 1.4, name
    # draws that differ in how readily members leave: the spread of the dropout rate is mostly
    # parameter uncertainty, which stays however many groups a study has
    spread = pd.DataFrame({"dropout_intercept": np.linspace(-4.0, 0.0, 40)})
    varied = discriminating_patterns(
        {"seed": spread}, groups=groups, seed=6, patterns=("dropout_rate",)
    ).theories.set_index("pattern")
    row = varied.loc["dropout_rate"]
    assert row["param_sd"] > 2 * same.loc["dropout_rate", "sd"]  # more than all the spread at defaults
    assert row["param_sd"] ** 2 > row["group_sd"] ** 2 / groups  # more than the noise at 8 groups


# --- the theories differ -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def theories():
    """Every theory at its defaults, 16 draws (studies) of 8 groups each; draw k of every theory
    meets the same people (common random numbers), so differences are paired by draw."""
    return discriminating_patterns({name: _defaults(16) for name in THEORIES}, groups=8, seed=11)


def _paired(result, rival: str, pattern: str) -> tuple[float, float]:
    """Mean rival-minus-seed difference over draws and its t statistic."""
    s = result.studies[result.studies.pattern == pattern]
    s = s.pivot(index="draw", columns="theory", values="value")
    diff = (s[rival] - s["seed"]).dropna()
    return float(diff.mean()), float(diff.mean() / (diff.std(ddof=1) / np.sqrt(len(diff))))


def test_without_a_safety_pathway_the_safety_knockout_signature_is_nil_and_the_seeds_is_negative(theories):
    values = theories.studies[theories.studies.pattern == "safety_knockout"]
    by = values.groupby("theory")["value"]
    for name in ("differences_only", "common_factors"):
        assert (values[values.theory == name]["value"] == 0).all(), name
    seed = values[values.theory == "seed"]["value"]
    assert seed.mean() / (seed.std(ddof=1) / np.sqrt(len(seed))) < -5
    assert by.mean()["seed"] < -0.1


def test_differences_only_loses_its_leavers_later_than_the_seed(theories):
    mean, t = _paired(theories, "differences_only", "left_within_3_sessions")
    assert mean < -0.05 and t < -4


def test_a_knockout_arm_of_other_people_is_noisier_than_the_paired_simulation(theories):
    # the simulation runs the knocked-out groups with the same people; a study cannot, and its
    # sampling variance (the stratified jackknife) counts a third arm of its own people
    rows = theories.studies[
        (theories.studies.pattern == "safety_knockout") & (theories.studies.theory == "seed")
    ]
    assert (rows.sampling_var > 2 * rows.simulation_var).mean() > 0.9
    one_arm = theories.studies[theories.studies.pattern == "dropout_rate"]
    np.testing.assert_allclose(one_arm.sampling_var, one_arm.simulation_var)


def test_common_factors_has_no_sharing_signature_and_no_connectedness_gap(theories):
    values = theories.studies[theories.studies.pattern == "sharing_knockout"]
    assert (values[values.theory == "common_factors"]["value"] == 0).all()
    mean, t = _paired(theories, "common_factors", "sharing_knockout")
    assert mean > 0.1 and t > 5


def test_upward_comparison_leans_more_on_sharing_than_the_seed(theories):
    mean, t = _paired(theories, "upward_comparison", "sharing_knockout")
    assert mean < -0.03 and t < -4


def test_every_rival_has_a_pattern_a_study_could_tell_from_the_seeds(theories):
    # in a real study each arm has its own people, so the groups needed come from the sampling
    # variance of such a study (not the paired simulation): common factors and differences only
    # are told apart by a few groups, the seed-like upward comparison only by a large study
    pairs = theories.pairs[theories.pairs.theory_a == "seed"]
    for rival in ("differences_only", "common_factors"):
        rows = pairs[pairs.theory_b == rival]
        assert (np.abs(rows.separation) > 1.0).any(), rival
        assert (rows.groups_needed <= 30).any(), rival
    rows = pairs[pairs.theory_b == "upward_comparison"]
    assert np.isfinite(rows.groups_needed).any()
    best = theories.best(top=1)
    assert len(best) == len(THEORIES) * (len(THEORIES) - 1) // 2
