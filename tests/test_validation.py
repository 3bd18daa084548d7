"""Held-out validation: the held-out targets stay out of fitting, the checks give verdicts that can
fail, and docs/validation.md lists every held-out target with the generated table in step."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peersim.data.posterior import posterior
from peersim.inference.calibration import compare, discrepancy, fitted, load_targets
from peersim.inference.validation import (
    VERDICTS,
    markdown_table,
    validate,
    verdict,
)
from peersim.report.docs import block, write_blocks

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "validation.md"
TABLE = ROOT / "results" / "validation" / "validation.csv"

# The fitted targets the shipped posterior (peersim/data/posterior.csv) was calibrated to, with how
# each was observed (its error: peersim.data.study.ERRORS). Changing one means calibrating again
# (experiments/calibration.py --ship), then updating this record.
FITTED_WHEN_SHIPPED = {
    "trial_d_qpr": ("d:qpr:peer", "near", 0.43, 0.116, "simulated"),
    "trial_se_d_qpr": ("se_d:qpr:peer", "near", 0.116, 0.0087, "normal"),  # the trial's precision
    "control_qpr_end": ("mean:qpr:control", "near", 32.1, 1.0, "simulated"),
    "trial_d_hope": ("d:hope:peer", "at_least", 0.228, 0.116, "simulated"),
    "trial_d_self_efficacy": ("d:self_efficacy:peer", "at_least", 0.228, 0.116, "simulated"),
    "trial_d_social_relations": ("d:social_relations:peer", "within", 0.228, 0.116, "simulated"),
    "dropout_rate": ("dropout:peer", "near", 0.20, 0.05, "normal"),
    "early_dropout_share": ("early_leavers:peer:2", "near", 1.0, 0.25, "subsample"),
    "companionship_uptake_covid": ("companionship:peer", "near", 0.111, 0.105, "subsample"),  # 1 of 9
}


def held_out() -> dict:
    targets = load_targets()
    return {k: t for k, t in targets.items() if not t["fit"]}


def test_held_out_targets_load_and_stay_out_of_fitting():
    targets = load_targets()
    out = held_out()
    # the brief's held-out checks: cohesion-outcome r, hope from meta-analyses, sprouts, and the
    # meta-analyses of peer support on personal recovery and on hope
    assert {"cohesion_outcome_r", "trial_d_hope_meta", "sprout_share_completers"} <= set(out)
    assert any(k.startswith("meta_recovery_") for k in out)
    assert any(k.startswith("meta_hope_") for k in out)
    assert not set(out) & set(fitted(targets))
    for name, t in out.items():
        assert t["source"] and t.get("basis"), name
        if name.startswith("meta_"):
            assert t["grade"] == "literature" and t["kind"] == "near", name
    # the fitted targets are exactly those the shipped posterior was calibrated to
    now = {
        k: (t["statistic"], t["kind"], t["value"], t["se"], t.get("error", "simulated"))
        for k, t in fitted(targets).items()
    }
    assert now == FITTED_WHEN_SHIPPED
    # held-out targets do not move the calibration distance, whatever the statistics are
    rng = np.random.default_rng(0)
    stats = pd.DataFrame({t["statistic"]: rng.normal(0.3, 0.3, 50) for t in targets.values()})
    assert discrepancy(stats, targets) == pytest.approx(discrepancy(stats, fitted(targets)))


def test_compare_counts_ties_in_both_tails():
    # the model often gives 2 of 2 leavers: an observed 2 of 2 is not in a tail
    two_of_two = compare(np.array([1.0, 1.0, 0.5, 0.0, 1.0]), {"kind": "near", "value": 1.0})
    assert two_of_two["p_predictive"] == pytest.approx(1.0) and two_of_two["consistent"]
    far = compare(np.arange(100.0), {"kind": "near", "value": 1.5})
    assert far["p_predictive"] == pytest.approx(0.04) and not far["consistent"]
    bound = compare(np.arange(100.0), {"kind": "at_least", "value": 90.0})
    assert bound["p_predictive"] == pytest.approx(0.10) and bound["consistent"]


def test_verdict_rule():
    assert verdict(False, 0.9) == "FAILS"
    assert verdict(True, 0.1) == "tension"
    assert verdict(True, 0.5) == "consistent"


def test_small_validation_gives_verdicts_that_can_fail():
    targets = {k: t for k, t in load_targets().items() if k in ("trial_d_qpr", "meta_recovery_lyons2021")}
    # an effect no PEER-sized trial under the posterior produces, and a pooled one no larger than
    # its spread: the first must fail, whatever the Monte Carlo error of a few draws
    targets["impossible"] = {**targets["meta_recovery_lyons2021"], "value": 5.0, "fit": False}
    table, expected = validate(posterior(), draws=12, repeats=2, seed=3, targets=targets)
    assert set(table.verdict) <= set(VERDICTS)
    assert table.set_index("target").loc["impossible", "verdict"] == "FAILS"
    assert table.held_out.tolist() == [True, True, False]  # held out first, fitted for context
    assert table.set_index("target").checked_against.to_dict() == {
        "meta_recovery_lyons2021": "expected value",
        "impossible": "expected value",
        "trial_d_qpr": "one new trial",
    }
    assert len(expected) == 12 and table.expected_low.le(table.expected_high).all()
    # the expected value averages trials: its spread is not wider than one trial's
    assert (
        (table.expected_high - table.expected_low)
        .le(table.predictive_high - table.predictive_low + 0.2)
        .all()
    )


def test_doc_lists_every_held_out_target_and_its_table_is_in_step(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    headings = set(re.findall(r"^### `([a-z0-9_]+)`", text, flags=re.M))
    missing = set(held_out()) - headings
    assert not missing, f"docs/validation.md has no section for held-out target(s) {sorted(missing)}"
    # every check the table calls a tension or a failure is discussed as one in its section
    table = pd.read_csv(TABLE)
    sections = dict(re.findall(r"^### `([a-z0-9_]+)`\n(.*?)(?=^##)", text, flags=re.M | re.S))
    for r in table[table.verdict != "consistent"].itertuples():
        assert r.verdict.lower() in sections.get(r.target, "").lower(), (r.target, r.verdict)
    # the committed table covers today's targets (a new one means running experiments/validation.py)
    assert set(table.target) == set(load_targets())
    # and the doc's table is the one generated from it, not typed by hand
    assert block(text, "validation", "table") == markdown_table(table)
    copy = tmp_path / "doc.md"
    copy.write_text(text.replace(block(text, "validation", "table"), "| stale |"), encoding="utf-8")
    write_blocks(copy, "validation", lambda what: markdown_table(table))
    assert copy.read_text(encoding="utf-8") == text
