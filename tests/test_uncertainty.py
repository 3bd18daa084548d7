"""Intervals that respect their scale (issue 19): parameter intervals are quantiles over posterior
draws of the draws' means, so no printed or saved interval leaves its quantity's range, and
posterior-mode outputs carry both the Monte Carlo and the parameter interval."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersim
from peersim.report.scenario import run_scenario
from peersim.report.summary import HEADLINE_RANGE
from peersim.stats.uncertainty import difference_range, param_interval_from_noise, split

INTERVALS = (("mc_low", "mc_high"), ("param_low", "param_high"))


def inside(low, high, bounds, slack=1e-12) -> bool:
    """NaN (not estimable, printed as such) or a proper interval inside ``bounds``."""
    if np.isnan(low) and np.isnan(high):
        return True
    return bounds[0] - slack <= low <= high <= bounds[1] + slack


@settings(max_examples=200, deadline=None)
@given(
    runs=st.integers(2, 400),
    draws=st.integers(1, 60),
    share=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_keeps_both_intervals_of_a_share_inside_0_to_1(runs, draws, share, seed):
    # shares near 0 or 1 with few runs were where mean +- 1.96 sd went below 0 or above 1
    rng = np.random.default_rng(seed)
    draw = rng.integers(0, draws, runs)
    per_draw = rng.beta(1 + 20 * share, 1 + 20 * (1 - share), draws)
    values = rng.binomial(8, per_draw[draw]) / 8
    parts = split(values, draw, bounds=(0.0, 1.0))
    for low, high in INTERVALS:
        assert inside(parts[low], parts[high], (0.0, 1.0)), parts
    # a quantile of means lies where the values lie: never below the smallest
    if np.isfinite(parts["param_low"]):
        assert values.min() <= parts["param_low"] <= parts["param_high"] <= values.max()


def test_a_difference_whose_control_is_zero_keeps_its_sign():
    # bridging against a control arm that has none: every run's difference is >= 0
    rng = np.random.default_rng(3)
    draw = rng.integers(0, 2000, 10_000)
    values = np.where(rng.random(10_000) < 0.3, 0.0, rng.beta(2, 8, 10_000))
    parts = split(values, draw, bounds=(-1.0, 1.0))
    assert parts["param_low"] >= 0 and parts["mc_low"] >= 0
    assert parts["param_low_se"] > 0 and parts["param_high_se"] > 0  # the ends' own Monte Carlo error


def test_parameter_interval_of_trials_takes_their_sampling_error_out():
    rng = np.random.default_rng(1)
    truth = rng.normal(0.4, 0.2, 400)  # each trial's d under its draw
    noise = np.full(400, 0.15)  # its sampling error
    seen = truth + rng.normal(0, 0.15, 400)
    par = param_interval_from_noise(seen, noise)
    wide = np.quantile(seen, [0.025, 0.975])
    true = np.quantile(truth, [0.025, 0.975])
    assert wide[0] < par["param_low"] and par["param_high"] < wide[1]  # narrower than the raw spread
    assert par["param_low"] == pytest.approx(true[0], abs=0.08)
    assert par["param_high"] == pytest.approx(true[1], abs=0.08)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), runs=st.integers(150, 500), covid=st.booleans())
def test_no_interval_of_peersim_run_in_posterior_mode_leaves_its_range(tmp_path_factory, seed, runs, covid):
    out = tmp_path_factory.mktemp("post")
    params = peersim.Params(covid_restrictions=covid)
    done = run_scenario(params, runs, seed, uncertainty="posterior", out=out, overwrite=True)
    headline = pd.read_csv(out / "headline.csv")
    assert {"mc_low", "mc_high", "param_low", "param_high", "param_low_se", "param_high_se"} <= set(headline)
    for r in headline.itertuples():
        for low, high in INTERVALS:
            assert inside(getattr(r, low), getattr(r, high), HEADLINE_RANGE[r.statistic]), r
    effects = pd.read_csv(out / "effect_vs_control.csv")
    for r in effects.itertuples():
        for low, high in (("ci_low", "ci_high"), ("param_low", "param_high")):
            assert inside(getattr(r, low), getattr(r, high), difference_range(r.outcome)), r
        if r.outcome == "bridging_followup":  # the control arm has no bridging: >= 0
            assert r.ci_low >= 0 and (np.isnan(r.param_low) or r.param_low >= 0)
            # and no standardised difference: every control's is 0, so there is no spread to pool
            assert np.isnan(r.cohens_d)
        else:
            assert np.isfinite(r.cohens_d), r
    for table in ("dropout_by_session", "mechanism_activation"):
        shares = pd.read_csv(out / f"{table}.csv")
        for r in shares.itertuples():
            for low, high in (("ci_low", "ci_high"), ("param_low", "param_high")):
                assert inside(getattr(r, low), getattr(r, high), (0.0, 1.0)), (table, r)
    changes = pd.read_csv(out / "outcome_changes.csv")
    assert {"param_low", "param_high", "param_low_se", "param_high_se"} <= set(changes)
    for r in changes.itertuples():
        for low, high in (("ci_low", "ci_high"), ("param_low", "param_high")):
            assert inside(getattr(r, low), getattr(r, high), difference_range(r.outcome)), r
    # what is printed: dropout with both intervals, every percentage of them within 0-100%
    report = done.report()
    dropout = next(line for line in report.splitlines() if line.startswith("Dropout:"))
    assert "95% CI" in dropout and "{par " in dropout
    for number in re.findall(r"(-?[\d.]+)%", dropout):
        assert 0 <= float(number) <= 100, dropout
    assert "Which to quote" in report and "these are posterior numbers" in report
    # what summary.png draws: both intervals, each inside its quantity's range
    check_summary_figure(done.summary, posterior=True)


def plotted_intervals(ax) -> dict[str, list[tuple[float, float]]]:
    """The error bars an axis draws, by legend label (unlabelled ones with the labelled ones of
    the same colour): each bar's (low, high) as plotted."""
    from matplotlib.container import ErrorbarContainer

    bars: dict[str, list] = {}
    colours: dict[tuple, str] = {}
    containers = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    for c in containers:
        label = c.get_label()
        if not label.startswith("_"):
            colours[tuple(c.lines[2][0].get_colors()[0])] = label
    for c in containers:
        colour = tuple(c.lines[2][0].get_colors()[0])
        segments = c.lines[2][0].get_segments()
        bars.setdefault(colours[colour], []).extend((seg[:, 1].min(), seg[:, 1].max()) for seg in segments)
    return bars


def check_summary_figure(summary, posterior: bool) -> None:
    from peersim.report.figures import MC_LABEL, NO_WIDTH, PARAM_LABEL, summary_figure

    fig = summary_figure(summary)
    left, right = fig.axes[:2]
    sessions = len(summary.dropout_by_session())
    for ax, bounds, points in ((left, (0.0, 100.0), sessions), (right, (-1.0, 1.0), 12)):
        bars = plotted_intervals(ax)
        drawn = len(bars.get(PARAM_LABEL, []))
        assert set(bars) == ({MC_LABEL, PARAM_LABEL} if drawn else {MC_LABEL}), bars.keys()
        assert len(bars[MC_LABEL]) == points and (posterior or not drawn)
        labels = ax.get_legend().get_texts()
        assert {t.get_text() for t in labels} >= set(bars)  # the legend says which is which
        for label, pairs in bars.items():
            for low, high in pairs:
                assert bounds[0] - 1e-9 <= low <= high <= bounds[1] + 1e-9, (label, low, high)
        if posterior:  # every parameter interval drawn, or said to have no width to show
            unshown = points - drawn
            assert unshown == 0 or NO_WIDTH in fig.get_supxlabel()
            assert all(high > low for low, high in bars.get(PARAM_LABEL, []))
    assert ("posterior draws" in fig.get_suptitle()) == posterior


def test_summary_figure_at_the_defaults_has_the_monte_carlo_intervals_alone():
    from peersim.report.summary import Summary

    check_summary_figure(Summary.of(peersim.simulate(runs=60, seed=4)), posterior=False)


def test_knockout_and_trial_print_both_intervals_in_posterior_mode(capsys, tmp_path):
    from peersim.apps.cli import main

    assert main(["knockout", "--runs", "300", "--mechanisms", "safety", "--uncertainty", "posterior"]) == 0
    text = capsys.readouterr().out
    # the mechanism by its label and what switching it off means, not its identifier
    assert "  safety (switched off: safety stays where it was on arrival)" in text
    line = next(x for x in text.splitlines() if x.strip().startswith("dropout (share)"))
    # both intervals, the parameter one with the Monte Carlo error of its ends, as run prints it
    assert re.search(
        r"[-+][\d.]+ \[[-+][\d.]+, [-+][\d.]+\]   \{par [-+][\d.]+ to [-+][\d.]+ ±[\d.]+\}", line
    ), line
    low, high = (float(x) for x in re.search(r"\{par ([-+][\d.]+) to ([-+][\d.]+)", line).groups())
    assert -1 <= low <= high <= 1
    out = tmp_path / "trial.csv"
    assert main(["trial", "--trials", "12", "--uncertainty", "posterior", "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    saved = pd.read_csv(tmp_path / "trial_parameter_uncertainty.csv")
    assert set(saved.statistic) == {"difference", "cohens_d"} and (saved.analysis == "mixed model").all()
    for r in saved[saved.statistic == "difference"].itertuples():
        for low, high in INTERVALS:
            assert inside(getattr(r, low), getattr(r, high), difference_range(r.outcome)), r
    assert "Parameter uncertainty (12 trials, each under one posterior draw), mixed model" in text
    qpr = next(x for x in text.splitlines() if "QPR-15" in x and "{par" in x)
    assert re.search(r"difference [-+][\d.]+ \[[-+][\d.]+, [-+][\d.]+\] \{par", qpr), qpr


def test_compare_gives_the_paired_difference_with_both_intervals(capsys, tmp_path):
    from peersim.apps.cli import main

    out = tmp_path / "compare.csv"
    args = ["compare", "defaults", "facilitator_role=paid setting=mental_health_service", "--runs", "300"]
    assert main([*args, "--uncertainty", "posterior", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "B differs from A in: setting: civil_society -> mental_health_service" in text
    assert "EXPLORATORY" in text and "these are posterior numbers" in text
    table = pd.read_csv(out)
    for r in table.itertuples():
        for low, high in (("ci_low", "ci_high"), ("param_low", "param_high")):
            assert inside(getattr(r, low), getattr(r, high), difference_range(r.outcome)), r
    dropout = table.set_index("outcome").loc["dropped_out"]
    assert dropout.difference == pytest.approx(dropout.b - dropout.a, abs=2e-6)  # the CSV: 6 digits
    # the same scenario twice: the same people, the same draws, exactly no difference
    assert main(["compare", "defaults", "defaults", "--runs", "50"]) == 0
    same = capsys.readouterr().out
    assert "nothing (the same scenario)" in same and "+0.000 [+0.000, +0.000]" in same
    assert main(["compare", "defaults", "paid"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'paid' is not NAME=VALUE" in err[0]


def test_exploratory_scenarios_are_labelled_in_words_in_every_command(capsys):
    from peersim.apps.cli import main

    for command in (
        ["run", "--runs", "40", "--no-control", "--quiet"],
        ["knockout", "--runs", "40", "--mechanisms", "safety", "--quiet"],
        ["trial", "--quiet"],
        ["compare", "defaults", "facilitator_role=paid", "--runs", "40"],
        ["icamo", "--runs", "40", "--strata", "employed"],
    ):
        extra = [] if command[0] == "compare" else ["--set", "facilitator_role=paid"]
        assert main([*command, *extra]) == 0
        text = capsys.readouterr().out
        line = next((x for x in text.splitlines() if "EXPLORATORY" in x), None)
        assert line is not None, command
        # the parameters named by what they mean, the name kept for looking it up
        assert "how equal paid facilitators are seen (volunteers: 1) (paid_equality)" in line, line
    assert main(["knockout", "--runs", "40", "--mechanisms", "safety", "--quiet"]) == 0
    assert "EXPLORATORY" not in capsys.readouterr().out  # the defaults are not a what-if


def test_study_summaries_keep_both_intervals_within_the_replicates_values():
    from peersim.sweep.study import summarise

    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "point": np.repeat([0, 1], 60),
            "run": np.tile(np.arange(60), 2),
            "draw": rng.integers(0, 20, 120),
            # a share that is nearly always 0 (volunteer dropout once went from -0.7%)
            "dropout": np.where(rng.random(120) < 0.05, 0.125, 0.0),
        }
    )
    table = summarise(frame, ["point"], ["dropout"])
    for suffix in ("ci", "param"):
        assert (table[f"dropout_{suffix}_low"].fillna(0) >= 0).all()
        assert (table[f"dropout_{suffix}_high"].fillna(0) <= 0.125).all()
    assert {"dropout_param_low_se", "dropout_param_high_se"} <= set(table)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rare=st.floats(0.0, 0.3), replicates=st.integers(30, 200))
def test_study_figures_draw_both_intervals_inside_the_values_range(seed, rare, replicates):
    from matplotlib.figure import Figure

    from peersim.report.figures import line_panels
    from peersim.sweep.study import MC_LABEL, PARAM_LABEL, bars_with_ci, summarise

    rng = np.random.default_rng(seed)
    points = 4
    draw = rng.integers(0, 12, replicates)  # run k takes the same draw at every point (paired)
    frame = pd.DataFrame(
        {
            "point": np.repeat(np.arange(points), replicates),
            "run": np.tile(np.arange(replicates), points),
            "draw": np.tile(draw, points),
        }
    )
    chance = rng.beta(1, 6, 12)[frame["draw"]] * rare  # each draw its own rate of a rare event
    frame["dropout"] = rng.binomial(8, chance) / 8
    table = summarise(frame, ["point"], ["dropout"])
    fig = Figure()
    ax = fig.subplots()
    unshown = bars_with_ci(ax, [str(p) for p in range(points)], table, "dropout")
    bars = plotted_intervals(ax)
    assert len(bars[MC_LABEL]) == points and len(bars.get(PARAM_LABEL, [])) == points - unshown
    for pairs in bars.values():  # as drawn: within what a replicate can be, 0 to 1
        for low, high in pairs:
            assert -1e-12 <= low <= high <= 1 + 1e-12, (low, high)
    ax.legend()
    if unshown < points:
        assert {MC_LABEL, PARAM_LABEL} <= {t.get_text() for t in ax.get_legend().get_texts()}
    # the study figures of lines: the shading and the dashed ends inside 0 to 1 too, named in the legend
    panels = line_panels(table, "point", [("dropout", "dropout", "share")], xlabel="point", title="t")
    ax = panels.axes[0]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    for line in dashed:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.all((y[np.isfinite(y)] >= 0) & (y[np.isfinite(y)] <= 1))
    for shade in ax.collections:
        y = np.concatenate([path.vertices[:, 1] for path in shade.get_paths()])
        assert np.all((y >= -1e-12) & (y <= 1 + 1e-12))
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert MC_LABEL in legend and PARAM_LABEL in legend
    assert "parameter intervals over posterior draws" in panels.get_suptitle()


def test_a_parameter_interval_the_runs_cannot_show_says_so():
    from peersim.report.summary import par_text

    assert par_text({"param_low": 0.372, "param_high": 0.372}, "{:.1%}") == (
        "{par not told apart from the runs' noise: more runs}"
    )
    assert par_text({"param_low": 0.1, "param_high": 0.4, "param_high_se": 0.01}, "{:.1%}") == (
        "{par 10.0% to 40.0% ±2.0%}"
    )


def _printed_intervals(line: str) -> list[tuple[float, float]]:
    """The [low, high] and {par low to high ...} of a printed line, in its own units (% as given)."""
    number = r"([-+]?[\d.]+)%?"
    pairs = re.findall(rf"\[{number}, {number}\]", line) + re.findall(rf"\{{par {number} to {number}", line)
    return [(float(a), float(b)) for a, b in pairs]


def test_icamo_prints_both_intervals_in_posterior_mode(capsys, tmp_path):
    from peersim.apps.cli import main

    out = tmp_path / "icamo.csv"
    args = ["icamo", "--runs", "300", "--uncertainty", "posterior", "--strata", "employed", "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Both intervals (posterior draws, one per group)" in text
    # the mechanisms' key in words (the SPEC labels), not their identifiers
    assert "rolemod = hope from role models" in text and "= role_modelling" not in text
    lines = text.splitlines()
    everyone = lines.index("  everyone")
    block = lines[everyone + 1 : everyone + 5]
    left = next(x for x in block if x.strip().startswith("left"))
    # as run prints it: the mean, its Monte Carlo interval, then the parameter interval with ±e
    # (or, with few runs per draw, said to be within the runs' noise: the posterior decides)
    assert re.search(r"left +[\d.]+% \[[\d.]+%, [\d.]+%\] +\{par ", left), left
    assert re.search(r"\{par [\d.]+% to [\d.]+% ±[\d.]+%\}", left) or "runs' noise" in left, left
    hope = next(x for x in block if x.strip().startswith("chg hope"))
    assert re.search(r"\{par [-+][\d.]+ to [-+][\d.]+ ±[\d.]+\}", hope), hope
    for line in lines[everyone:]:
        limit = 100 if "%" in line else 1
        for low, high in _printed_intervals(line):
            assert -limit <= low <= high <= limit, line
            if "left" in line:
                assert low >= 0, line
    # and what is saved: every column's intervals, both kinds, inside the column's range
    table = pd.read_csv(out)
    columns = [c.removesuffix("_param_low") for c in table.columns if c.endswith("_param_low")]
    assert "dropout_rate" in columns and "hope_change" in columns and "safety_rate" in columns
    for column in columns:
        bounds = (-1.0, 1.0) if column.endswith("_change") else (0.0, 1.0)
        assert f"{column}_param_low_se" in table
        for r in table.to_dict("records"):
            for low, high in (("low", "high"), ("param_low", "param_high")):
                assert inside(r[f"{column}_{low}"], r[f"{column}_{high}"], bounds), (column, r)
    # and what its figure draws: each outcome cell with both intervals, inside its range
    from peersim.report.teaching import icamo_figure

    cells = [t.get_text() for t in icamo_figure(table).axes[1].texts]
    assert len(cells) == 3 * 4  # everyone, employed, not employed x leaving and three changes
    for cell in cells:
        mean, mc, par = cell.split("\n")
        assert re.fullmatch(r"\[[-+\d.%]+, [-+\d.%]+\]", mc) and par.startswith("{par"), cell
        limit = 100 if "%" in mean else 1
        for low, high in _printed_intervals(cell):
            assert -limit <= low <= high <= limit and ("%" not in mean or low >= 0), cell


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10**6), runs=st.integers(100, 300))
def test_no_knockout_contribution_interval_leaves_its_range(seed, runs):
    from peersim.apps.cli.knockout import format_contributions
    from peersim.studies.knockout import knockouts

    table = knockouts(runs=runs, seed=seed, mechanisms=("safety", "dropout"), uncertainty="posterior")
    assert {"param_low_se", "param_high_se"} <= set(table)  # the ends' Monte Carlo error, saved
    for r in table.itertuples():
        # a contribution is a difference of two runs' means: a 0-1 state's within -1 to 1, QPR-15's
        # within -60 to 60, a count's unbounded
        bounds = {"qpr_end": (-60.0, 60.0), "realised_changes_followup": (-np.inf, np.inf)}.get(
            r.outcome, (-1.0, 1.0)
        )
        assert difference_range(r.outcome) == bounds
        for low, high in (("ci_low", "ci_high"), ("param_low", "param_high")):
            assert inside(getattr(r, low), getattr(r, high), bounds), r
    text = format_contributions(table)
    for line in text.splitlines():
        found = re.search(r"\[([-+][\d.]+), ([-+][\d.]+)\]", line)
        if not found:
            continue
        limit = 60 if "QPR-15" in line else np.inf if "realised" in line else 1
        for pair in (found.groups(), *re.findall(r"\{par ([-+][\d.]+) to ([-+][\d.]+)", line)):
            low, high = (float(x) for x in pair)
            assert -limit <= low <= high <= limit, line


def test_icamo_of_a_posterior_sweep_names_each_context_over_its_intervals(tmp_path):
    from peersim.apps.cli.icamo import format_parameter_intervals
    from peersim.studies.icamo import icamo_table
    from peersim.sweep import SerialExecutor, load_results, parse_spec, run_sweep

    spec = parse_spec(
        {
            "name": "ctx",
            "replicates": 30,
            "chunk_size": 30,
            "uncertainty": "posterior",
            "out": str(tmp_path / "ctx"),
            "design": {"kind": "grid", "factors": {"facilitator_role": ["volunteer", "paid"]}},
        }
    )
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    text = format_parameter_intervals(icamo_table(load_results(spec.out_dir), strata=("employed",)))
    lines = text.splitlines()
    heads = [x.strip() for x in lines if x.strip().startswith("Context:")]
    assert heads == ["Context: facilitator_role=volunteer", "Context: facilitator_role=paid"]
    # each context's strata under it, each with its four rows of both intervals
    assert lines.count("    everyone") == 2 and sum("{par" in x for x in lines[1:]) == 2 * 3 * 4


def test_explain_refuses_posterior_mode_in_one_line_naming_the_command_that_gives_both(capsys):
    import shlex

    from peersim.apps.cli import main

    change = ["--compare", "facilitator_role=paid", "--compare", "setting=mental_health_service"]
    assert main(["explain", *change, "--uncertainty", "posterior"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert captured.out == "" and len(err) == 1, err
    assert "has no interval" in err[0]
    instead = err[0].split(": ", 2)[-1].split(": ", 1)[1]
    assert instead.startswith("peersim compare defaults") and "--uncertainty posterior" in instead
    # what it names runs, and gives the same change with both intervals
    assert main([*shlex.split(instead)[1:], "--runs", "60"]) == 0
    shown = capsys.readouterr().out
    assert "B differs from A in: setting: civil_society -> mental_health_service" in shown and "{par" in shown
    assert main(["explain", "--uncertainty", "posterior"]) == 2
    assert "peersim run --uncertainty posterior" in capsys.readouterr().err
    assert main(["explain", *change]) == 0  # without it, the stories as before


def test_every_assumption_graded_parameter_is_named_in_words_that_stand_alone(capsys):
    from dataclasses import fields

    from peersim.apps.cli import main
    from peersim.stats.uncertainty import _FRAGMENTS, exploratory, meaning

    named = {carrier for f in fields(peersim.Params) for carrier in exploratory([f.name])}
    assert len(named) > 50
    for name in named:
        words = meaning(name)
        # its meaning, not its identifier, and not a fragment of a table under a heading
        assert words != name and not words.startswith(_FRAGMENTS), (name, words)
    assert main(["run", "--runs", "20", "--no-control", "--quiet", "--set", "dropout_connectedness=5"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "EXPLORATORY" in x)
    assert "the chance of leaving the group, per unit of connectedness (dropout_connectedness)" in line


#: scenarios B for the property tests of compare (A is the defaults)
CONTRASTS = (
    "covid_restrictions=true",
    "facilitator_role=paid setting=mental_health_service",
    "disabled_mechanisms=companionship",  # bridging's control is 0: a difference that keeps its sign
    "group_size=4",
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), runs=st.integers(60, 250), b=st.sampled_from(CONTRASTS))
def test_no_interval_compare_prints_or_saves_leaves_its_range(capsys, tmp_path_factory, seed, runs, b):
    from peersim.apps.cli import main

    out = tmp_path_factory.mktemp("compare") / "c.csv"
    args = ["compare", "defaults", b, "--runs", str(runs), "--seed", str(seed), "--uncertainty", "posterior"]
    assert main([*args, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(out)
    assert {"param_low_se", "param_high_se"} <= set(table)
    for r in table.itertuples():
        for low, high in (("ci_low", "ci_high"), ("param_low", "param_high")):
            assert inside(getattr(r, low), getattr(r, high), difference_range(r.outcome)), r
        if b.startswith("disabled") and r.outcome == "bridging_followup":  # none without companionship
            assert r.ci_high <= 0 and (np.isnan(r.param_high) or r.param_high <= 0), r
    rows = [x for x in text.splitlines() if "{par " in x]
    assert len(rows) == len(table)
    for line, r in zip(rows, table.itertuples(), strict=True):
        limit = 60 if r.outcome.startswith("qpr") else 1
        for low, high in _printed_intervals(line):
            assert -limit <= low <= high <= limit, line


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), runs=st.integers(60, 250), covid=st.booleans())
def test_no_interval_icamo_prints_saves_or_draws_leaves_its_range(
    capsys, tmp_path_factory, seed, runs, covid
):
    from peersim.apps.cli import main
    from peersim.report.teaching import icamo_figure

    out = tmp_path_factory.mktemp("icamo") / "i.csv"
    args = [
        "icamo",
        "--runs",
        str(runs),
        "--seed",
        str(seed),
        "--uncertainty",
        "posterior",
        "--strata",
        "age",
    ]
    assert main([*args, "--set", f"covid_restrictions={covid}", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(out)
    for column in [c.removesuffix("_param_low") for c in table.columns if c.endswith("_param_low")]:
        bounds = (-1.0, 1.0) if column.endswith("_change") else (0.0, 1.0)
        for r in table.to_dict("records"):
            for low, high in (("low", "high"), ("param_low", "param_high")):
                assert inside(r[f"{column}_{low}"], r[f"{column}_{high}"], bounds), (column, r)
    printed = text.split("Both intervals", 1)[1].splitlines()[1:]
    cells = [t.get_text() for t in icamo_figure(table).axes[1].texts]
    for line in [*printed, *cells]:
        limit = 100 if "%" in line else 1
        for low, high in _printed_intervals(line):
            assert -limit <= low <= high <= limit and ("%" not in line or low >= 0), line
