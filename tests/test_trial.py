"""Virtual trial: statistics against scipy on fixed data, and the trial's shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import peersim
from peersim import Params
from peersim.studies.trial import effect, format_trial


def _study(**changes):
    """The PEER trial as run with some of its design changed."""
    from dataclasses import replace

    from peersim.data.study import peer_trial

    return replace(peer_trial(), **changes)


def test_effect_matches_scipy_on_fixed_data():
    rng = np.random.default_rng(42)
    a = rng.normal(37.3, 12.0, 145)
    b = rng.normal(32.1, 12.0, 151)
    e = effect(a, b)
    welch = stats.ttest_ind(a, b, equal_var=False)
    low, high = welch.confidence_interval(0.95)
    assert e["difference"] == pytest.approx(a.mean() - b.mean())
    assert e["diff_low"] == pytest.approx(low) and e["diff_high"] == pytest.approx(high)
    assert e["p_value"] == pytest.approx(welch.pvalue)
    pooled = np.sqrt(((145 - 1) * a.var(ddof=1) + (151 - 1) * b.var(ddof=1)) / (145 + 151 - 2))
    d = (a.mean() - b.mean()) / pooled
    assert e["cohens_d"] == pytest.approx(d)
    se = np.sqrt((145 + 151) / (145 * 151) + d**2 / (2 * (145 + 151)))
    assert e["d_high"] - e["cohens_d"] == pytest.approx(1.959963984540054 * se)


def test_trial_arms_and_reproducibility():
    r = peersim.trial(Params(), n_per_arm=40, seed=3)
    itt = r.table[r.table.analysis == "intention to treat"]
    assert set(itt.n_peer) == {40} and set(itt.n_control) == {40}
    comp = r.table[r.table.analysis == "completers"]
    assert (comp.n_peer <= 40).all()
    again = peersim.trial(Params(), n_per_arm=40, seed=3)
    pd.testing.assert_frame_equal(r.table, again.table)
    assert "QPR-15" in format_trial(r)


def test_many_trials_give_a_distribution_of_d():
    r = peersim.trial(Params(covid_restrictions=True), n_per_arm=150, seed=11, trials=30)
    s = r.summary().set_index(["analysis", "outcome"])
    qpr = s.loc[("intention to treat", "qpr_end")]
    assert qpr.trials == 30 and 0.2 <= qpr.d_mean <= 0.66
    assert qpr["d_p2_5"] < qpr.d_mean < qpr["d_p97_5"]
    mixed = s.loc[("mixed model", "qpr_end")]
    assert mixed.trials == 30 and 0.0 <= mixed.icc_p2_5 <= mixed.icc_mean <= mixed.icc_p97_5 < 1.0
    # social relations: one definition, relations outside the course: the person's own loneliness
    # before the course relieved by bridging only; ties in the group do not count
    people = r.participants
    outside = people.loneliness_baseline * (1 - Params().loneliness_relief * people.bridging_end)
    assert np.allclose(people.social_relations_end, 1.0 - outside)
    assert np.allclose(people.social_relations_baseline, 1.0 - people.loneliness_baseline)
    # the outside-the-group part, bridging, barely differs between the arms under restrictions
    bridging = people.groupby("arm").bridging_end.mean()
    assert bridging["peer"] - bridging["control"] < 0.02


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_per_arm": 1}, "n_per_arm"),
        ({"trials": 0}, "trials"),
        ({"n_peer": 1}, "n_peer"),
        ({"n_control": 2.5}, "n_control"),
        ({"n_per_arm": 10, "n_peer": 10}, "not both"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        peersim.trial(Params(), **kwargs)


def test_trial_k_is_the_same_whatever_the_number_of_trials():
    one = peersim.trial(Params(), n_per_arm=30, seed=5, trials=1).table
    three = peersim.trial(Params(), n_per_arm=30, seed=5, trials=3).table
    pd.testing.assert_frame_equal(one, three[three.trial == 0].reset_index(drop=True))


def test_each_arm_mean_has_its_95_interval():
    # no group under COVID, states measured without error: the arm's values are simulate's
    r = peersim.trial(Params(), n_per_arm=48, seed=9, study=_study(covid_waves=0, reliability=1.0))
    t = r.table
    assert ((t.peer_low < t.mean_peer) & (t.mean_peer < t.peer_high)).all()
    assert ((t.control_low < t.mean_control) & (t.mean_control < t.control_high)).all()
    # the PEER arm's interval is over groups (its participants share one): check it by hand
    from peersim.stats.effects import cluster_mean

    peer = peersim.simulate(Params(), runs=6, seed=9).participants
    row = t[(t.analysis == "intention to treat") & (t.outcome == "hope_end")].iloc[0]
    assert (row.mean_peer, row.peer_low, row.peer_high) == pytest.approx(
        cluster_mean(peer.hope_end, peer.run)[:3]
    )
    text = format_trial(r)
    itt = text[text.index("intention to treat") :]  # the second table (the mixed model is first)
    line = next(x for x in itt.splitlines() if x.strip().startswith("hope (0-1)"))
    assert f"{row.mean_peer:.3f} [{row.peer_low:.3f}, {row.peer_high:.3f}]" in line
    assert f"{row.mean_control:.3f} [{row.control_low:.3f}, {row.control_high:.3f}]" in line
    many = peersim.trial(Params(), n_per_arm=16, seed=9, trials=4)
    s = many.summary()
    assert {"peer_mean", "peer_p2_5", "peer_p97_5", "control_mean"} <= set(s.columns)
    assert "PEER" in format_trial(many)


# --- the trial's analysis model against statsmodels ---------------------------------------------
def _trial_data(seed: int, sd_group: float, anti: bool = False) -> pd.DataFrame:
    """A fixed data set shaped like the PEER trial: 145 PEER in groups of 8, 151 controls.
    ``anti``: residuals partly centred within each PEER group, so the REML group variance sits at
    its boundary 0 (an ICC of 0)."""
    rng = np.random.default_rng(seed)
    n1, n0 = 145, 151
    group = np.arange(n1) // 8
    u = rng.normal(0.0, sd_group, group.max() + 1)
    e1 = rng.normal(0.0, 8.0, n1)
    if anti:
        e1 = e1 - pd.Series(e1).groupby(group).transform("mean").to_numpy() * 0.3
    b1, b0 = rng.normal(30, 10, n1), rng.normal(30, 10, n0)
    y1 = 15.0 + 0.6 * b1 + u[group] + e1
    y0 = 10.0 + 0.6 * b0 + rng.normal(0.0, 8.0, n0)
    return pd.DataFrame(
        {
            "y": np.r_[y1, y0],
            "treat": np.r_[np.ones(n1), np.zeros(n0)],
            "baseline": np.r_[b1, b0],
            "cluster": np.r_[group, 1000 + np.arange(n0)],  # each control a cluster of their own
        }
    )


def _statsmodels_fit(data: pd.DataFrame):
    import warnings

    import statsmodels.formula.api as smf
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    model = smf.mixedlm("y ~ treat + baseline", data, groups=data["cluster"], re_formula="0 + treat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # boundary and convergence notes
        result = model.fit(reml=True)

    def reml_loglike(ratio: float) -> float:
        at = MixedLMParams.from_components(fe_params=result.fe_params.to_numpy(), cov_re=np.array([[ratio]]))
        return model.loglike(at, profile_fe=True)

    return result, reml_loglike


@pytest.mark.parametrize(("seed", "sd_group", "anti"), [(1, 4.0, False), (3, 2.0, False), (8, 0.0, True)])
def test_mixed_model_matches_statsmodels(seed, sd_group, anti):
    from peersim.stats.mixed import fit_many

    data = _trial_data(seed, sd_group, anti)
    ref, reml_loglike = _statsmodels_fit(data)
    ours = fit_many(np.zeros(len(data), int), data.y, data.treat, data.baseline, data.cluster).iloc[0]
    tight = 1e-3 if anti else 1e-5  # at the boundary statsmodels stops a little inside (below)
    assert ours.effect == pytest.approx(ref.fe_params["treat"], rel=tight)
    assert ours.baseline_coef == pytest.approx(ref.fe_params["baseline"], rel=tight)
    assert ours.intercept == pytest.approx(ref.fe_params["Intercept"], rel=tight)
    # statsmodels' standard errors invert the Hessian of the REML likelihood over fixed effects and
    # variance together; ours are the GLS ones at the optimum, var_resid (X'V^-1 X)^-1 (as lme4
    # and nlme report): they agree to a few parts in a thousand
    loose = 2e-2 if anti else 5e-3
    assert ours.effect_se == pytest.approx(ref.bse["treat"], rel=loose)
    assert ours.baseline_se == pytest.approx(ref.bse["baseline"], rel=loose)
    assert np.log(ours.p_value) == pytest.approx(np.log(ref.pvalues["treat"]), rel=2e-2)
    var_group = float(ref.cov_re.iloc[0, 0])
    assert ours.var_resid == pytest.approx(ref.scale, rel=tight * 10)
    assert ours.var_group == pytest.approx(var_group, rel=2e-3, abs=1e-3 * ref.scale)
    # and our variance ratio is at least as good an optimum of statsmodels' own REML likelihood
    # (statsmodels' likelihood cannot be evaluated at exactly 0: 1e-8 stands for it)
    ours_ratio = max(ours.var_group / ours.var_resid, 1e-8)
    assert reml_loglike(ours_ratio) >= reml_loglike(var_group / ref.scale) - 1e-7
    if anti:
        # statsmodels stops a little inside the boundary (its variance is 1e-5 of the residual
        # one); at 0 the model is ordinary least squares, which ours then is exactly
        import statsmodels.formula.api as smf

        assert ours.var_group == 0.0 and ours.icc == 0.0 and var_group < 1e-3 * ref.scale
        ols = smf.ols("y ~ treat + baseline", data).fit()
        assert ours.effect == pytest.approx(ols.params["treat"], rel=1e-9)
        assert ours.effect_se == pytest.approx(ols.bse["treat"], rel=1e-9)
        assert ours.var_resid == pytest.approx(ols.scale, rel=1e-9)
    else:
        assert 0.0 < ours.icc == pytest.approx(var_group / (var_group + ref.scale), rel=2e-3)


def test_mixed_model_fits_many_at_once_as_one_by_one():
    from peersim.stats.mixed import fit_many

    sets = [_trial_data(s, 3.0) for s in (11, 12, 13)]
    both = pd.concat(sets, keys=range(3)).reset_index(level=0, names="fit")
    together = fit_many(both.fit, both.y, both.treat, both.baseline, both.cluster)
    for k, data in enumerate(sets):
        alone = fit_many(np.zeros(len(data), int), data.y, data.treat, data.baseline, data.cluster)
        pd.testing.assert_series_equal(together.iloc[k], alone.iloc[0], check_names=False, rtol=1e-9)


def test_an_unfittable_fit_gets_nan_and_leaves_the_others_alone():
    from peersim.stats.mixed import fit_many

    good = _trial_data(11, 3.0)
    alone = fit_many(np.zeros(len(good), int), good.y, good.treat, good.baseline, good.cluster).iloc[0]
    # fit 1: five treated rows, no control; fit 2: both arms but one baseline for all (rank 2)
    bad = pd.DataFrame({"y": np.arange(5.0), "treat": 1.0, "baseline": np.arange(5.0), "cluster": 0})
    flat = good.assign(baseline=1.0).head(12)
    frames = pd.concat([good, bad, flat], keys=range(3)).reset_index(level=0, names="fit")
    with np.errstate(all="raise"):  # and nothing warns on the way
        out = fit_many(frames.fit, frames.y, frames.treat, frames.baseline, frames.cluster)
    pd.testing.assert_series_equal(out.iloc[0], alone, check_names=False, rtol=1e-9)
    assert out.iloc[1:][["effect", "effect_se", "icc", "p_value"]].isna().all().all()


def test_tiny_trials_with_nothing_observed_in_an_arm_still_report():
    study = _study(missing_stayed=0.95, missing_leavers=1.0)
    r = peersim.trial(Params(), n_peer=2, n_control=2, seed=1, trials=3, study=study)
    assert len(r.table) and "personal recovery" in format_trial(r)
    assert len(r.summary()) == r.table.groupby(["arm", "analysis", "outcome"]).ngroups


# --- the trial as it was run: arms, waves, missing outcomes, the command -------------------------
def test_unequal_arms_give_the_right_numbers():
    r = peersim.trial(Params(), n_peer=21, n_control=30, seed=4, trials=2)
    people = r.participants
    assert people.groupby(["trial", "arm"]).size().unstack().to_dict("list") == {
        "control": [30, 30],
        "peer": [21, 21],
    }
    itt = r.table[r.table.analysis == "intention to treat"]
    assert set(itt.n_peer) == {21} and set(itt.n_control) == {30}
    mixed = r.table[r.table.analysis == "mixed model"]
    # the mixed model analyses the observed outcomes: randomised minus missing
    observed = (~people.missing).groupby([people.trial, people.arm]).sum().unstack()
    assert (mixed.groupby("trial").n_peer.first() == observed["peer"]).all()
    assert (mixed.groupby("trial").n_control.first() == observed["control"]).all()
    assert set(mixed.groups) == {3}  # 21 people in groups of 8
    assert (r.table.randomised_peer.dropna() == 21).all()
    # the defaults are the PEER trial's arms, and the output says so
    default = peersim.trial(Params(), seed=4)
    assert (default.n_peer, default.n_control) == (145, 151)
    assert "145 peer (peer), 151 control (usual)" in format_trial(default)


def test_missing_outcomes_are_more_common_among_leavers_and_reproducible():
    p, study = Params(), _study(missing_stayed=0.1, missing_leavers=0.6)
    a = peersim.trial(p, n_peer=400, n_control=400, seed=6, study=study)
    people = a.participants
    peer = people[people.arm == "peer"]
    left, stayed = peer[peer.dropped_out].missing.mean(), peer[~peer.dropped_out].missing.mean()
    assert peer.dropped_out.sum() > 30
    assert left == pytest.approx(0.6, abs=0.12) and stayed == pytest.approx(0.1, abs=0.05)
    assert people[people.arm == "control"].missing.mean() == pytest.approx(0.1, abs=0.04)
    again = peersim.trial(p, n_peer=400, n_control=400, seed=6, study=study)
    pd.testing.assert_frame_equal(a.participants, again.participants)
    pd.testing.assert_frame_equal(a.table, again.table)
    other = peersim.trial(p, n_peer=400, n_control=400, seed=7, study=study)
    assert not other.participants.missing.equals(a.participants.missing.reset_index(drop=True))
    # nothing missing at 0, everything the parameters say at the extremes
    none = peersim.trial(
        Params(), n_per_arm=40, seed=6, study=_study(missing_stayed=0.0, missing_leavers=0.0)
    )
    assert not none.participants.missing.any()


@pytest.mark.parametrize(("waves", "covid", "groups", "expected"), [(4, 2, 20, 10), (6, 3, 19, 10)])
def test_waves_give_the_specified_covid_share(waves, covid, groups, expected):
    from peersim.studies.virtual import covid_by_group

    p = Params()
    got = covid_by_group(groups, _study(waves=waves, covid_waves=covid), p)
    assert got.sum() == expected and got[: got.sum()].all()  # the earliest groups
    assert covid_by_group(groups, _study(covid_waves=0), p).sum() == 0
    assert covid_by_group(groups, _study(covid_waves=6), p).all()
    assert covid_by_group(groups, _study(covid_waves=0), Params(covid_restrictions=True)).all()


def test_covid_status_reaches_the_simulation_in_both_arms():
    # 8 groups and 8 control blocks: 4 of each under COVID
    r = peersim.trial(Params(), n_per_arm=64, seed=8, study=_study(waves=4, covid_waves=2))
    people = r.participants
    by = people.groupby(["arm", "group"]).covid.first().unstack("arm")
    assert by["peer"].tolist() == by["control"].tolist() == [True] * 4 + [False] * 4
    # each group ran with its own COVID status: the same runs alone, with and without restrictions
    peer = people[people.arm == "peer"]
    for covid in (True, False):
        runs = sorted(peer[peer.covid == covid].run.unique())
        alone = peersim.simulate(Params(covid_restrictions=covid), runs=8, seed=8).participants
        alone = alone[alone.run.isin(runs)].reset_index(drop=True)
        got = peer[peer.run.isin(runs)].reset_index(drop=True)
        pd.testing.assert_series_equal(got.qpr_end, alone.qpr_end, check_names=False)


def test_cli_trial_with_unequal_arms(capsys):
    from peersim.apps.cli import main

    assert main(["trial", "--n-peer", "20", "--n-control", "27", "--trials", "3", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "20 peer (peer), 27 control (usual)" in out and "mixed model" in out and "ICC" in out
    assert "Not modelled" in out and "quality of life" in out
    assert main(["trial", "--n-peer", "20", "--n-control", "27", "--quiet"]) == 0
    assert "difference [95% CI]" in capsys.readouterr().out
    for bad, message in (
        (["trial", "--n-peer", "1"], "--n-peer 1: must be at least 2"),
        (["trial", "--n-per-arm", "9", "--n-control", "9"], "not both"),
        (["trial", "--set", "dropout_intercept=nope"], "dropout_intercept"),
        (["trial", "nope.toml"], "nope.toml: cannot read the study file"),
    ):
        assert main(bad) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1


def test_outcomes_are_measured_with_the_stated_reliability():
    r = peersim.trial(Params(), n_per_arm=400, seed=12, study=_study(reliability=0.7)).participants
    for state in ("hope", "self_efficacy", "social_relations", "self_image", "meaning"):
        latent, measured = r[f"{state}_baseline"], r[f"{state}_baseline_measured"]
        # reliability = var(latent) / var(measured)
        assert latent.var() / measured.var() == pytest.approx(0.7, abs=0.06), state
        error = r[f"{state}_end_measured"] - r[f"{state}_end"]
        assert abs(np.corrcoef(error, measured - latent)[0, 1]) < 0.1  # new error at each occasion
    assert (r.qpr_end_measured == r.qpr_end).all()  # the QPR-15 has its own measurement model
    exact = peersim.trial(Params(), n_per_arm=40, seed=12, study=_study(reliability=1.0)).participants
    assert (exact.hope_end_measured == exact.hope_end).all()


# --- the statistics' shortcuts give the tables' numbers ------------------------------------------
def test_cell_variances_are_pandas_group_variances_to_the_bit():
    from peersim.stats import cells

    rng = np.random.default_rng(5)
    y = rng.normal(30.0, 9.0, 400)
    together = np.repeat([3, 0, 7, 1, 9], [150, 1, 99, 2, 148])  # each cell's rows together
    scattered = rng.permutation(together)  # not together: pandas itself
    gappy = y.copy()
    gappy[[5, 200]] = np.nan  # something missing: pandas itself
    many = np.repeat(np.arange(400), rng.integers(1, 200, 400))  # cells of 1 to 199 rows
    skewed = rng.normal(0.5, 0.2, len(many)) ** 3
    for values, cell in ((y, together), (y, scattered), (gappy, together), (skewed, many)):
        by = pd.Series(values).groupby(cell).agg(["var", "count"])
        found, variance, count = cells.variances(values, cell)
        order = np.argsort(found)
        assert np.array_equal(found[order], by.index.to_numpy())
        assert np.array_equal(variance[order], by["var"].to_numpy(), equal_nan=True)
        assert np.array_equal(count[order], by["count"].to_numpy())


def test_calibration_statistics_keep_only_what_they_read_and_match_the_whole_table():
    """statistics() measures only the outcomes and keeps only the columns its statistics read;
    every statistic is the one observe gives on the whole table, bit for bit."""
    from peersim.data.study import STATISTICS, peer_trial
    from peersim.inference.calibration import statistics
    from peersim.studies.observe import observe
    from peersim.studies.virtual import simulate_study

    study = peer_trial()
    names = [
        "d:qpr:peer", "se_d:qpr:peer", "difference:hope:peer", "mean:qpr:control",
        "change:self_efficacy:peer", "dropout:peer", "left_by:peer:3", "early_leavers:peer:2",
        "companionship:peer", "sprouts:peer", "cohesion_r:peer",
    ]  # fmt: skip
    assert {n.split(":")[0] for n in names} == set(STATISTICS)
    sets = pd.DataFrame({"facilitator_skill": np.linspace(0.3, 0.9, 6)})
    lean = statistics(sets, seed=3, trials=np.arange(6) + 40, names=names)
    people = simulate_study(study, sets, np.arange(6), np.arange(6) + 40, seed=3)
    pd.testing.assert_frame_equal(lean, observe(people, study, names, 6), check_exact=True)


def test_a_fit_is_the_same_to_the_bit_alone_and_in_any_batch():
    """Fits 0-4 have groups of 6 and 9 only; the other fits bring sizes 2-29, so the batch's size
    classes (peersim.stats.reml.classes) are many more than theirs. A fit's estimates must not
    move, not even in the last bit (before the classes were summed in order they moved by 7e-16):
    the calibration's statistics are then the same whatever its chunk."""
    from peersim.stats.mixed import fit_arrays

    for seed in range(5):
        rng = np.random.default_rng(seed)
        fit, treat, group = [], [], []
        for f in range(40):
            sizes = rng.choice([6, 9], size=4) if f < 5 else rng.integers(2, 30, size=6)
            for g, size in enumerate(sizes):
                fit += [f] * size
                treat += [1.0] * size
                group += [g] * size
            fit += [f] * 40
            treat += [0.0] * 40
            group += [0] * 40
        fit, treat, group = np.array(fit), np.array(treat), np.array(group)
        baseline = rng.normal(size=len(fit))
        y = 0.5 * baseline + 0.3 * treat + 0.5 * treat * rng.normal(size=(40, 10))[fit, group]
        y = y + rng.normal(size=len(fit))
        batch = fit_arrays(fit, y, treat, baseline, group)
        alone = fit < 5
        few = fit_arrays(fit[alone], y[alone], treat[alone], baseline[alone], group[alone])
        for column in ("effect", "effect_se", "var_group", "var_resid"):
            assert np.array_equal(batch[column][:5], few[column]), (seed, column)
