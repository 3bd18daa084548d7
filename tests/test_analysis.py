"""Realist analysis: ICAMO tables (against hand-computed values), knock-outs, narratives, figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peersim
from peersim import MECHANISMS, Params
from peersim.core.kernel import Kernel
from peersim.report import teaching
from peersim.report.narrative import compare, narrate, story
from peersim.stats.effects import cluster_mean
from peersim.studies.icamo import icamo_table
from peersim.studies.knockout import knockouts

from .conftest import scripted_kernel

ROOT = Path(__file__).resolve().parent.parent


class Tiny:
    """A hand-made results object: two groups of two participants."""

    def __init__(self) -> None:
        rows = []
        for run, member, employed, fired, dropped, hope0, hope1 in [
            (0, 0, True, 2, False, 0.2, 0.5),
            (0, 1, False, 0, True, 0.4, 0.4),
            (1, 0, True, 1, False, 0.3, 0.4),
            (1, 1, False, 3, False, 0.1, 0.3),
        ]:
            row = {
                "run": run,
                "member": member,
                "employed": employed,
                "dropped_out": dropped,
                "age": 40.0,
                "adversity": 0.2,
                "sharing_vulnerability": 0.1,
            }
            for mech in MECHANISMS:
                row[f"mech_{mech}_sessions"] = fired if mech == "sharing" else 0
            for outcome in ("connectedness", "hope", "self_image", "self_efficacy", "recovery"):
                row[f"{outcome}_baseline"] = hope0 if outcome == "hope" else 0.0
                row[f"{outcome}_end"] = hope1 if outcome == "hope" else 0.0
            rows.append(row)
        self.participants = pd.DataFrame(rows)


def test_icamo_table_by_hand():
    table = icamo_table(Tiny(), strata=("employed",))
    everyone = table[table.actor == "all"].iloc[0]
    assert everyone.participants == 4 and everyone.groups == 2
    assert everyone.sharing_rate == pytest.approx(3 / 4)
    assert everyone.dropout_rate == pytest.approx(1 / 4)
    assert everyone.hope_change == pytest.approx((0.3 + 0.0 + 0.1 + 0.2) / 4)
    assert everyone.safety_rate == 0.0
    employed = table[(table.actor == "employed") & (table.stratum == "employed")].iloc[0]
    assert employed.participants == 2 and employed.sharing_rate == 1.0
    assert employed.hope_change == pytest.approx(0.2)
    # interval over the two groups: changes 0.3 (group 0) and 0.1 (group 1), one person each
    # ratio 0.2; residuals 0.1, -0.1; var = 2/1 * 0.02 / 2^2 = 0.01; se = 0.1
    assert employed.hope_change_low == pytest.approx(0.2 - 1.959963984540054 * 0.1)
    assert employed.hope_change_high == pytest.approx(0.2 + 1.959963984540054 * 0.1)


def test_cluster_mean_equals_plain_mean_ci_with_one_per_group():
    rng = np.random.default_rng(0)
    values = pd.Series(rng.normal(size=50))
    mean, low, high, n = cluster_mean(values, pd.Series(np.arange(50)))
    assert mean - low == pytest.approx(high - mean)
    se = values.std(ddof=1) / np.sqrt(50)
    assert n == 50 and mean == pytest.approx(values.mean())
    assert high - mean == pytest.approx(1.959963984540054 * se, rel=1e-9)  # the usual interval


def test_icamo_reads_sweep_results_with_context_columns(tmp_path):
    from peersim.sweep import SerialExecutor, load_results, parse_spec, run_sweep

    spec = parse_spec(
        {
            "name": "ctx",
            "replicates": 12,
            "chunk_size": 12,
            "out": str(tmp_path / "ctx"),
            "design": {"kind": "grid", "factors": {"facilitator_role": ["volunteer", "paid"]}},
        }
    )
    run_sweep(spec, executor=SerialExecutor(), progress=False)
    table = icamo_table(load_results(spec.out_dir), strata=("employed",))
    assert "facilitator_role" in table.columns
    assert set(table.facilitator_role) == {"volunteer", "paid"}


def test_icamo_rejects_unknown_stratum():
    with pytest.raises(ValueError, match="did you mean 'age'"):
        icamo_table(peersim.simulate(runs=3, seed=1), strata=("agee",))


def test_knockouts_show_companionship_at_follow_up_and_safety_in_the_course():
    table = knockouts(
        Params(),
        runs=150,
        seed=3,
        mechanisms=("companionship", "safety"),
        outcomes=("realised_changes_followup", "qpr_followup", "connectedness_end", "dropped_out"),
    )
    # companionship starts after the course, so it can only show at follow-up (its effect on
    # end-of-course outcomes is zero by construction and not worth testing): the companion waters
    # sprouts and builds bridges, so more change is realised and recovery is higher there. The
    # sizes depend on uptake, companion support and the sprout rates, so this could fail.
    comp = table[table.mechanism == "companionship"].set_index("outcome")
    assert comp.loc["realised_changes_followup", "ci_low"] > 0
    assert comp.loc["qpr_followup", "ci_low"] > 0
    # safety is a precondition: knocking it out lowers connectedness and raises dropout, clearly
    safe = table[table.mechanism == "safety"].set_index("outcome")
    assert safe.loc["connectedness_end", "ci_low"] > 0
    assert safe.loc["dropped_out", "ci_high"] < 0


def silent_member_group():
    """Member 0 cannot bear being exposed and never shares; the others always share; nobody is
    absent, leaves or meets a mishandled moment."""
    return scripted_kernel(
        [{"sharing_vulnerability": 1.0}, {}, {}],
        record_ties=True,
        share_intercept=20.0,
        share_vulnerability=40.0,
        absence_base=0.0,
        absence_adversity=0.0,
        dropout_intercept=-20.0,
        mishandle_rate=0.0,
    )


def test_narrative_of_a_scripted_group():
    k = silent_member_group()
    k.run()
    text = narrate(k, 0, 0)
    assert "Session 1 (Arrival and group agreement)" in text
    assert "did not share (being exposed has hurt before)" in text
    assert "shared their own experience" not in text
    assert "completed the course" in text
    other = narrate(k, 0, 1)
    assert "shared their own experience" in other


def test_why_explains_the_week_of_a_scripted_group():
    from peersim.report.narrative import why

    k = silent_member_group()
    assert why(k, 0)[0].startswith("Nothing yet")
    k.step()
    k.step()
    lines = why(k, 0)
    assert lines[0].startswith("Safety 0.") and "safe from" in lines[0]
    assert any(
        x.startswith("Did not share: being exposed has hurt before (vulnerability 1.00 on a 0 to 1")
        for x in lines
    )
    assert any(x.startswith("Closest tie 0.") for x in lines)
    assert any(x.startswith("Shared their own experience") for x in why(k, 1))
    assert why(k, 1, week=1)[0] != why(k, 1)[0]  # an earlier week can be asked for
    with pytest.raises(ValueError, match="not in the group"):
        why(k, 9)


def test_why_tells_why_someone_left():
    from peersim.report.narrative import why

    kernel, _ = story(Params(dropout_intercept=5.0), seed=2, run=0, member=0)
    assert any(x.startswith("Left the group after this session: ") for x in why(kernel, 0, week=1))
    assert why(kernel, 0, week=2)[0].startswith("Has left the group")


def test_story_tells_why_someone_left():
    params = Params(dropout_intercept=5.0)  # almost everyone leaves after session 1
    _, text = story(params, seed=2, run=0, member=0)
    assert "left the group after this session (" in text
    assert "left after session 1" in text


def test_compare_says_where_stories_part():
    text = compare(Params(), Params(facilitator_skill=0.0, mishandle_rate=1.0), seed=4, run=1, member=2)
    assert "Where the stories part: session" in text or "do not part" in text
    assert "Story A (as given)" in text and "Story B (facilitator skill 0 (0 to 1: " in text
    assert "=" not in text  # no parameter names reach students


def test_figures_write_files(tmp_path):
    k = Kernel(Params(), 5, np.array([2]), record_ties=True)
    k.run()
    paths = [
        teaching.group_circles(k, "safety", path=tmp_path / "c.png"),
        teaching.group_animation(k, tmp_path / "g.gif"),
        teaching.activation_heatmap(k, path=tmp_path / "h.png"),
        teaching.trajectories(k, "recovery", path=tmp_path / "t.png"),
        teaching.icamo_figure(icamo_table(peersim.simulate(runs=20, seed=1)), path=tmp_path / "i.png"),
    ]
    for p in paths:
        assert p.exists() and p.stat().st_size > 1000
    with pytest.raises(ValueError, match="choose one of"):
        teaching.group_circles(k, "happiness")
    with pytest.raises(ValueError, match="record_ties=True"):
        teaching.group_circles(Kernel(Params(), 5, np.array([2])))


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["explain", "--seed", "3", "--member", "2"], "Session 1"),
        (["explain", "--seed", "3", "--compare", "facilitator_role=paid"], "A: as given"),
        (["icamo", "--runs", "30", "--strata", "employed,age"], "Context: as simulated"),
        (["knockout", "--runs", "30", "--mechanisms", "safety"], "Contribution of each mechanism"),
        (
            ["explain", "--seed", "99", "--population", "docs/examples/outsider.csv"],
            "most different from the group",
        ),
    ],
)
def test_cli_analysis_commands(args, expect):
    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", *args], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    assert expect in proc.stdout


def test_cli_knockout_csv_names_mechanisms_and_outcomes_in_words(tmp_path):
    out = tmp_path / "k.csv"
    args = ["knockout", "--runs", "10", "--mechanisms", "safety", "--out", str(out), "--quiet"]
    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", *args], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert list(table.columns[:4]) == ["mechanism", "mechanism_label", "outcome", "outcome_label"]
    from peersim.core.mechanisms import registry

    assert set(table.mechanism_label) == {registry.get("safety").label}
    assert table.set_index("outcome").outcome_label["qpr_end"] == "QPR-15 (0-60)"
    assert table.set_index("outcome").outcome_label["hope_end"] == "hope"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explain", "--member", "9"], "--member 9"),
        (["explain", "--compare", "group_size=5"], "cannot change group_size"),
        (["icamo", "--runs", "5", "--strata", "wealth"], "unknown actor stratum 'wealth'"),
        (["knockout", "--runs", "5", "--mechanisms", "safty"], "unknown mechanism 'safty'"),
        (["figure", "circles", "--colour-by", "joy"], "'joy' is not a state"),
        (["figure", "circles", "--member", "9"], "--member 9: the group has participants 0 to 7"),
        (["explain", "--population", "no/such.csv"], "cannot read it as CSV"),
    ],
)
def test_cli_analysis_errors_exit_2(args, message):
    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", *args], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
