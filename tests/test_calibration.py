"""Bayesian calibration: targets with their uncertainty, the trial-sized statistics, rejection ABC,
posterior runs and the separation of parameter uncertainty from Monte Carlo error."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from peersim import Params, simulate
from peersim.data.posterior import posterior
from peersim.inference import abc
from peersim.inference.calibration import (
    calibrate,
    deviations,
    discrepancy,
    fitted,
    keys,
    load_targets,
    predictive_check,
    problem,
    statistics,
)
from peersim.stats.uncertainty import exploratory, split
from peersim.studies.knockout import knockouts
from peersim.studies.observe import as_observed, observed_statistics
from peersim.studies.trial import trial

POSTERIOR = pd.DataFrame(
    {"facilitator_skill": [0.4, 0.9, 0.7], "tie_rate": [0.2, 0.45, 0.3], "weight": [0.2, 0.5, 0.3]}
)


def test_targets_carry_their_uncertainty_and_source():
    targets = load_targets()
    for name, t in targets.items():
        assert t["se"] > 0 and t["source"] and t["grade"] in ("seed", "trial", "literature"), name
    assert set(fitted(targets)) < set(targets), "some targets are held out for validation"
    # one datum, used once: the trial's d, not also its QPR difference
    assert "trial_d_qpr" in targets and "trial_difference_qpr" not in targets
    assert targets["early_dropout_share"]["n"] == 2  # the seed's two leavers


def test_bad_target_file(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[x]\nvalue = 1\nse = 0.1\nkind = "near"\nfit = true\nsource = "s"\n')
    with pytest.raises(ValueError, match="statistic 'x': 'x' is not one of d, se_d, difference"):
        load_targets(path)
    path.write_text('[dropout_rate]\nvalue = 1\nse = 0\nkind = "near"\nfit = true\nsource = "s"\n')
    with pytest.raises(ValueError, match="se must be positive"):
        load_targets(path)


def test_deviations_by_hand():
    targets = {
        "a": {"statistic": "dropout:peer", "value": 0.2, "se": 0.05, "kind": "near", "fit": True},
        "b": {"statistic": "d:hope:peer", "value": 0.228, "se": 0.1, "kind": "at_least", "fit": True},
        "c": {
            "statistic": "d:social_relations:peer",
            "value": 0.2,
            "se": 0.1,
            "kind": "within",
            "fit": True,
        },
        "d": {"statistic": "cohesion_r:peer", "value": 0.26, "se": 0.03, "kind": "near", "fit": False},
    }
    stats = pd.DataFrame(
        {
            "dropout:peer": [0.3, 0.2],
            "d:hope:peer": [0.128, 0.5],
            "d:social_relations:peer": [-0.4, 0.1],
            "cohesion_r:peer": [0.0, 0.0],
        }
    )
    z = deviations(stats, targets)
    assert z.loc[0].tolist() == pytest.approx([2.0, 1.0, 2.0, -26 / 3])
    assert z.loc[1, ["a", "b", "c"]].tolist() == pytest.approx([0.0, 0.0, 0.0])
    # the held-out target does not count in the calibration distance
    assert discrepancy(stats, targets).tolist() == pytest.approx([3.0, 0.0])


def test_statistics_are_one_trial_sized_virtual_trial_per_set():
    sets = pd.DataFrame({"facilitator_skill": [0.5, 0.5, 0.9]}, index=["a", "b", "c"])
    stats = statistics(sets, seed=4)
    assert stats.index.tolist() == ["a", "b", "c"] and list(stats.columns) == keys(load_targets())
    # sets are independent trials (other people), reproducible from the trial numbers
    assert stats.loc["a", "mean:qpr:control"] != stats.loc["b", "mean:qpr:control"]
    again = statistics(sets.iloc[[1]], seed=4, trials=[1])
    pd.testing.assert_series_equal(again.iloc[0], stats.loc["b"], check_names=False)
    # the PEER arm of trial 0 is 145 people in groups of 8: 19 groups, the last one partly filled;
    # the groups of the earliest 3 of 6 waves (groups 0-9) ran under COVID-19 restrictions
    covid = simulate(Params(covid_restrictions=True, facilitator_skill=0.5), runs=10, seed=4).participants
    rest = simulate(Params(facilitator_skill=0.5), runs=9, seed=4, first_run=10).participants
    part = pd.concat([covid, rest]).head(145)
    assert stats.loc["a", "dropout:peer"] == pytest.approx(part.dropped_out.mean())


def test_rejection_abc_keeps_whole_vectors_resumes_and_checks(tmp_path):
    kwargs = {"simulations": 240, "accept": 30, "seed": 5, "table_dir": tmp_path / "table", "chunk": 80}
    names = ["facilitator_skill", "tie_rate", "dropout_intercept"]
    fit = calibrate(names, **kwargs)
    post = fit.posterior
    assert len(post) == 30 and post["weight"].sum() == pytest.approx(1.0)
    assert post.facilitator_skill.between(0.3, 1.0).all()  # adjusted values stay inside the prior
    assert fit.diagnostics.simulations.item() == 240 and 0 < fit.diagnostics.ess.item() <= 30
    # weights fall with distance (the Epanechnikov kernel) and the kept rows are the closest
    kept = fit.accepted
    assert kept.distance.is_monotonic_increasing and post.weight.is_monotonic_decreasing
    every = abc.discrepancy(fit.table.statistics, fit.table.problem.targets)
    assert kept.distance.max() <= np.sort(every)[30]
    problem_ = fit.table.problem

    def rebuilt(vector, trial):  # a vector's statistics from itself and its copy alone, as observed
        simulated = statistics(vector[names], seed=5, trials=[trial], names=problem_.keys)
        return simulated, observed_statistics(simulated, fitted(problem_.targets), 5, [trial])

    # an accepted row is a parameter vector as simulated: its statistics, rebuilt from the row and
    # its copy alone and observed as the data were, are the reference table's
    # (to rounding: the mixed model sums every fit's groups by the sizes the whole batch has, so
    # a copy fitted alone or among others differs in the last bits, 1e-14 relative)
    trial, row = kept.trial.iloc[7], kept.row.iloc[7]
    simulated, again = rebuilt(kept.iloc[[7]], trial)
    np.testing.assert_allclose(again.to_numpy(float)[0], fit.table.statistics.iloc[row], rtol=1e-12)
    # a row of the posterior is that row regression-adjusted, a whole vector with a simulation of
    # its own: rebuilt from the row (as written to a file) and its copy, its statistics are its own
    assert not np.allclose(post.iloc[7][names].to_numpy(float), kept.iloc[7][names].to_numpy(float))
    written = pd.read_csv(io.StringIO(post.to_csv(index=False)))
    pd.testing.assert_frame_equal(written[names], post[names], check_exact=True)
    own = fit.statistics
    assert (own.trial >= abc.POSTERIOR_COPIES).all() and own.trial.is_unique
    _, mine = rebuilt(written.iloc[[7]], own.trial.iloc[7])
    np.testing.assert_allclose(mine.to_numpy(float)[0], own[problem_.keys].iloc[7], rtol=1e-12)
    assert own.distance.iloc[7] == pytest.approx(abc.discrepancy(mine, problem_.targets)[0], rel=1e-9)
    # the table holds them as observed: the 2 leavers and the 9 completers interviewed are counts
    # in 2 and 9 people, the literature's dropout is seen with its own error; the trial's own d is
    # the copy's (its sampling is the trial's)
    table_stats = fit.table.statistics
    assert np.isin(table_stats["companionship:peer"].dropna() * 9, np.arange(10)).all()
    assert np.isin(table_stats["early_leavers:peer:2"].dropna() * 2, [0, 1, 2]).all()
    assert simulated["dropout:peer"].item() != again["dropout:peer"].item()
    assert simulated["d:qpr:peer"].item() == pytest.approx(again["d:qpr:peer"].item(), rel=1e-12)
    # the second call finds every chunk on disk: nothing simulated again, the same posterior
    stored = sorted((tmp_path / "table").rglob("*.npz"))
    assert len(stored) == 3
    stamps = [p.stat().st_mtime_ns for p in stored]
    again_fit = calibrate(names, **kwargs)
    pd.testing.assert_frame_equal(post, again_fit.posterior)
    assert [p.stat().st_mtime_ns for p in stored] == stamps
    assert set(fit.summary.parameter) == set(names)
    # too few accepted draws for the adjustment's regression are refused before anything runs
    with pytest.raises(ValueError, match="regression adjustment on 9 statistics needs at least 20"):
        calibrate(names, **{**kwargs, "accept": 12})
    unadjusted = calibrate(names, **kwargs, adjust=False)
    pd.testing.assert_frame_equal(unadjusted.posterior, kept.drop(columns=list(abc.PROVENANCE)))
    assert (unadjusted.statistics.trial.to_numpy() == kept.trial.to_numpy()).all()
    table, stats = predictive_check(post, draws=40)
    assert set(table.target) == set(load_targets()) and len(stats) == 40
    assert table.predictive_low.le(table.predictive_high).all()
    with pytest.raises(ValueError, match="design choice"):
        calibrate(["group_size"], **kwargs)


def test_the_shipped_posterior_is_whole_vectors_each_with_its_own_simulation():
    """A shipped row's statistics, rebuilt from the row (as the package holds it) and its copy
    alone, are the ones its calibration recorded (results/calibration/posterior_statistics.csv).
    It fails when the model, the study file or the fitted targets have changed since the posterior
    was shipped: the posterior is then of another model (rerun experiments/calibration.py
    --ship)."""
    import tomllib
    from pathlib import Path

    import peersim

    root = Path(__file__).resolve().parents[1]
    shipped = pd.read_csv(Path(peersim.__file__).parent / "data" / "posterior.csv")
    pd.testing.assert_frame_equal(shipped, pd.read_csv(root / "results/calibration/posterior.csv"))
    recorded = pd.read_csv(root / "results/calibration/posterior_statistics.csv")
    assert len(recorded) == len(shipped) and recorded.trial.is_unique
    assert (recorded.trial >= abc.POSTERIOR_COPIES).all()  # copies of their own, not the table's
    seed = tomllib.loads((root / "experiments/calibration.toml").read_text())["seed"]
    p = problem(list(shipped.columns.drop("weight")), seed=seed)
    rows = [0, len(shipped) // 2, len(shipped) - 1]
    again = p.statistics(shipped[p.names].iloc[rows].reset_index(drop=True), recorded.trial.to_numpy()[rows])
    np.testing.assert_allclose(
        again,
        recorded[p.keys].to_numpy(float)[rows],
        rtol=1e-9,
        err_msg="the shipped posterior is of another model: rerun experiments/calibration.py --ship",
    )


def test_the_reference_table_is_the_same_in_chunks_of_any_count_of_workers(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    p = problem(["facilitator_skill", "tie_rate"], seed=2)
    serial = abc.reference_table(p, 40, chunk=20)
    with ProcessPoolExecutor(2) as pool:
        parallel = abc.reference_table(p, 40, chunk=20, executor=pool)
    pd.testing.assert_frame_equal(serial.parameters, parallel.parameters)
    pd.testing.assert_frame_equal(serial.statistics, parallel.statistics)
    # a longer table starts with the shorter one: chunk c is the same whatever follows it
    longer = abc.reference_table(p, 60, chunk=20)
    pd.testing.assert_frame_equal(longer.statistics.head(40), serial.statistics)


def test_posterior_runs_take_one_draw_each_chosen_by_seed_and_run():
    res = simulate(Params(), runs=600, seed=3, uncertainty="posterior", posterior=POSTERIOR)
    groups = res.groups
    assert groups.columns[:2].tolist() == ["run", "draw"]
    shares = groups.draw.value_counts(normalize=True).sort_index()
    assert shares.tolist() == pytest.approx([0.2, 0.5, 0.3], abs=0.06)
    for k in (0, 5, 77):  # run k with its draw is run k of that parameter set, bit for bit
        draw = int(groups.draw[groups.run == k].item())
        values = POSTERIOR.drop(columns="weight").iloc[draw].to_dict()
        alone = simulate(Params(**values), runs=1, seed=3, first_run=k).groups
        pd.testing.assert_frame_equal(
            groups[groups.run == k].drop(columns="draw").reset_index(drop=True), alone, check_exact=True
        )
    small = simulate(Params(), runs=600, seed=3, uncertainty="posterior", posterior=POSTERIOR, chunk_size=97)
    pd.testing.assert_frame_equal(small.groups, groups)
    # a parameter the user sets keeps the user's value
    mine = simulate(
        Params(facilitator_skill=0.55), runs=40, seed=3, uncertainty="posterior", posterior=POSTERIOR
    )
    base = simulate(Params(facilitator_skill=0.55, tie_rate=0.2), runs=40, seed=3)
    run0 = mine.groups[mine.groups.draw == 0].run.iloc[0]
    pd.testing.assert_frame_equal(
        mine.groups[mine.groups.run == run0].drop(columns="draw").reset_index(drop=True),
        base.groups[base.groups.run == run0].reset_index(drop=True),
    )
    with pytest.raises(ValueError, match="uncertainty = 'prior'"):
        simulate(Params(), runs=2, uncertainty="prior")


def test_split_separates_parameter_uncertainty_from_monte_carlo_error():
    rng = np.random.default_rng(0)
    draws = np.repeat(np.arange(400), 25)
    truth = rng.normal(0.0, 0.3, 400)  # between-draw sd 0.3
    values = truth[draws] + rng.normal(0.0, 1.0, len(draws))  # run-to-run sd 1
    parts = split(values, draws)
    assert parts["param_sd"] == pytest.approx(0.3, rel=0.15)
    assert parts["mc_high"] - parts["mean"] == pytest.approx(1.96 * np.sqrt(1.09 / 10_000), rel=0.1)
    # without parameter uncertainty, none is reported
    flat = split(rng.normal(0, 1, 10_000), draws)
    assert flat["param_sd"] < 0.05


def test_contexts_resting_on_assumptions_are_exploratory():
    assert "service_equality" in exploratory(["setting"])
    assert exploratory([]) == []


def test_trials_and_knockouts_with_posterior():
    res = trial(Params(), n_per_arm=30, seed=2, trials=6, uncertainty="posterior", posterior=POSTERIOR)
    assert res.table.groupby("trial").draw.nunique().eq(1).all()
    table = knockouts(
        Params(follow_up_weeks=2),
        runs=90,
        seed=1,
        mechanisms=["sharing"],
        outcomes=["hope_end"],
        uncertainty="posterior",
        posterior=POSTERIOR,
    )
    row = table.iloc[0]
    assert row.param_low <= row.contribution <= row.param_high


def test_posterior_file_is_checked(tmp_path):
    path = tmp_path / "p.csv"
    POSTERIOR.to_csv(path, index=False)
    assert posterior(path).shape == (3, 3)
    path.write_text("facilty_skill,weight\n0.5,1\n")
    with pytest.raises(ValueError, match="unknown parameter column 'facilty_skill'"):
        posterior(path)


def test_sweeps_with_posterior_draws(tmp_path, monkeypatch):
    import peersim.run.draws as draws
    from peersim.sweep import SerialExecutor, load_results, parse_spec, run_sweep

    monkeypatch.setattr(draws, "shipped_posterior", lambda path=None: POSTERIOR.copy())
    spec = parse_spec(
        {
            "name": "post",
            "seed": 4,
            "replicates": 6,
            "chunk_size": 5,
            "uncertainty": "posterior",
            "out": str(tmp_path / "raw"),
            "fixed": {"follow_up_weeks": 2},
            "design": {"kind": "grid", "factors": {"facilitator_skill": [0.5, 0.9]}},
        }
    )
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    groups = load_results(tmp_path / "raw").groups
    assert groups.columns[:4].tolist() == ["point", "facilitator_skill", "run", "draw"]
    # run k takes the same draw at every point (common random numbers, parameters included)
    assert groups.groupby("run").draw.nunique().eq(1).all()
    row = groups[(groups.point == 1) & (groups.run == 3)]
    draw = int(row.draw.item())
    # the point's own value wins over the draw's; the draw gives the rest
    alone = simulate(
        Params(follow_up_weeks=2, facilitator_skill=0.9, tie_rate=POSTERIOR.tie_rate[draw]),
        runs=1,
        seed=4,
        first_run=3,
    ).groups
    got = row.drop(columns=["point", "facilitator_skill", "draw"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, alone, check_exact=True, check_dtype=False)


def test_icamo_with_posterior_separates_parameter_uncertainty():
    from peersim.studies.icamo import icamo_table

    res = simulate(Params(follow_up_weeks=2), runs=150, seed=1, uncertainty="posterior", posterior=POSTERIOR)
    table = icamo_table(res, strata=["employed"])
    row = table[table.stratum == "everyone"].iloc[0]
    # facilitator skill and tie rate differ a lot between the draws: parameter uncertainty is
    # wider than the Monte Carlo interval of 150 groups
    assert row.hope_change_param_high - row.hope_change_param_low > row.hope_change_high - row.hope_change_low


def test_a_table_of_any_length_starts_with_the_shorter_ones(tmp_path):
    p = problem(["facilitator_skill"], seed=3)
    short = abc.reference_table(p, 25, folder=tmp_path, chunk=20)  # a part-chunk on disk
    assert len(short) == 25
    longer = abc.reference_table(p, 50, folder=tmp_path, chunk=20)
    pd.testing.assert_frame_equal(longer.statistics.head(25), short.statistics)
    pd.testing.assert_frame_equal(longer.parameters.head(25), short.parameters)
    fresh = abc.reference_table(p, 50, chunk=20)
    pd.testing.assert_frame_equal(longer.statistics, fresh.statistics)


def test_observations_are_simulated_as_the_data_were_seen():
    """Exact properties of the observation error (peersim.data.study.ERRORS): a count in n people
    is k of n, drawn around the copy's share; an external datum gets normal error of its se; the
    draws belong to the copy (the same copy is observed the same way in any batch); NaN stays NaN."""
    trials = np.arange(20_000)
    share = np.full(len(trials), 0.3)
    seen = as_observed(share, {"error": "subsample", "n": 9, "se": 0.1}, "x", 1, trials)
    assert np.isin(seen * 9, np.arange(10)).all()
    assert seen.mean() == pytest.approx(0.3, abs=0.01)
    assert seen.std() == pytest.approx(np.sqrt(0.3 * 0.7 / 9), rel=0.05)
    normal = as_observed(share, {"error": "normal", "se": 0.05}, "x", 1, trials)
    assert normal.mean() == pytest.approx(0.3, abs=0.002) and normal.std() == pytest.approx(0.05, rel=0.03)
    # error_sd, when given, is the added error's sd
    wider = as_observed(share, {"error": "normal", "se": 0.05, "error_sd": 0.1}, "x", 1, trials)
    assert wider.std() == pytest.approx(0.1, rel=0.03)
    # counter-based: copy 7 alone is observed as copy 7 among 20,000; another stream differs
    alone = as_observed(share[:1], {"error": "normal", "se": 0.05}, "x", 1, [7])
    assert alone[0] == normal[7]
    assert as_observed(share[:1], {"error": "normal", "se": 0.05}, "y", 1, [7])[0] != normal[7]
    nothing = as_observed(np.array([np.nan]), {"error": "subsample", "n": 2, "se": 0.2}, "x", 1, [0])
    assert np.isnan(nothing[0])
    assert (as_observed(share, {"se": 0.05}, "x", 1, trials) == share).all()  # simulated: as it is
    # one statistic with an error of its own cannot be compared by two fitted targets
    targets = {
        "a": {"statistic": "dropout:peer", "error": "normal", "se": 0.05},
        "b": {"statistic": "dropout:peer", "se": 0.05},
    }
    with pytest.raises(ValueError, match="same statistic 'dropout:peer'"):
        observed_statistics(pd.DataFrame({"dropout:peer": [0.2]}), targets, 1, [0])


def test_a_target_with_a_bad_observation_error(tmp_path):
    for extra, message in (
        ('error = "poisson"', "error = 'poisson'"),
        ('error = "subsample"\nn = 0', "needs n"),
        ("error_sd = 0.1", "error_sd"),
    ):
        path = tmp_path / "t.toml"
        path.write_text(
            f'[x]\nstatistic = "dropout:peer"\nvalue = 0.2\nse = 0.05\nkind = "near"\nfit = true\n'
            f'source = "s"\n{extra}\n'
        )
        with pytest.raises(ValueError, match=message):
            load_targets(path)


def test_a_reference_table_survives_a_shipped_posterior_and_a_docstring(tmp_path, monkeypatch):
    """The table's fingerprint is what decides its rows: the model's code and data, not the
    shipped posterior (a table draws from the priors) and not the docstrings of its functions."""
    from peersim.run import fingerprint

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "evidence.toml").write_text("a = 1\n")
    (tmp_path / "data" / "posterior.csv").write_text("x\n1\n")
    monkeypatch.setattr(fingerprint, "PACKAGE", tmp_path)
    before = fingerprint.code_fingerprint(("data",), exclude=("data/posterior.csv",))
    (tmp_path / "data" / "posterior.csv").write_text("x\n2\n")
    assert fingerprint.code_fingerprint(("data",), exclude=("data/posterior.csv",)) == before
    (tmp_path / "data" / "evidence.toml").write_text("a = 2\n")
    assert fingerprint.code_fingerprint(("data",), exclude=("data/posterior.csv",)) != before

    def said(x):
        """One thing."""
        return x + 1

    def said_otherwise(x):
        """Another."""
        return x + 1

    def did_otherwise(x):
        """One thing."""
        return x + 2

    name = abc._code(said).replace("said", "f")
    assert abc._code(said_otherwise).replace("said_otherwise", "f") == name
    assert abc._code(did_otherwise).replace("did_otherwise", "f") != name
