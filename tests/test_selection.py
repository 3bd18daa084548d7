"""Model selection between rival theories (peersim/inference/selection.py): the machinery, on a
small problem. What the study finds is in results/theories/ and docs/theories.md."""

from __future__ import annotations

import numpy as np
import pytest

from peersim.inference.selection import select_theories

SMALL = {"parameters": ["dropout_intercept", "qpr_centre", "attention_gain"], "quantile": 0.1, "batch": 100}


@pytest.fixture(scope="module")
def selection():
    return select_theories(
        ["seed", "common_factors", "differences_only"], simulations=600, blocks=3, seed=2, **SMALL
    )


def test_probabilities_sum_to_one_with_intervals(selection):
    p = selection.probabilities
    assert list(p.theory) == ["seed", "common_factors", "differences_only"]
    assert p.probability.sum() == pytest.approx(1.0)
    blocks = p[[f"block_{b}" for b in range(3)]].to_numpy()
    np.testing.assert_allclose(blocks.sum(axis=0), 1.0)
    np.testing.assert_allclose(p.probability, blocks.mean(axis=1))
    assert (p.low <= p.probability).all() and (p.probability <= p.high).all()
    assert (p.mc_se >= 0).all()


def test_kept_draws_are_the_pooled_closest_and_match_the_probabilities(selection):
    b = selection.blocks
    # per block: 200 simulations per theory, the closest 10% of one theory's count (20) pooled
    assert (b.simulations == 200).all()
    assert (b.groupby("block").accepted.sum() >= 20).all()  # ties at the threshold may add some
    for theory, draws in selection.draws.items():
        assert len(draws) == 3 * 20  # each theory's own closest 10% in each block
        assert draws.pooled.sum() == b[b.theory == theory].accepted.sum()
        within = draws.discrepancy <= draws.block.map(b.groupby("block").threshold.first())
        assert (within == draws.pooled).all()
        assert {"stat_d:qpr:peer", "dropout_intercept"} <= set(draws.columns)
    shares = b.pivot(index="block", columns="theory", values="accepted")
    shares = shares.div(shares.sum(axis=1), axis=0)[list(selection.probabilities.theory)]
    est = selection.probabilities.set_index("theory")[[f"block_{k}" for k in range(3)]].T.to_numpy()
    np.testing.assert_allclose(shares.to_numpy(), est, atol=1e-12)


def test_the_same_seed_gives_the_same_answer(selection):
    again = select_theories(
        ["seed", "common_factors", "differences_only"], simulations=600, blocks=3, seed=2, **SMALL
    )
    assert again.probabilities.equals(selection.probabilities)


def test_bad_requests_say_what_is_wrong():
    with pytest.raises(ValueError, match="unknown 'bogus'"):
        select_theories(["seed", "bogus"], **SMALL)
    with pytest.raises(ValueError, match="blocks"):
        select_theories(["seed", "common_factors"], blocks=1, **SMALL)
    with pytest.raises(ValueError, match="need 5 or more"):
        select_theories(["seed", "common_factors"], simulations=40, blocks=2, **SMALL)


def test_the_theories_page_shows_the_committed_results():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("study_theories", root / "experiments" / "theories.py")
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    page = (root / "docs" / "theories.md").read_text(encoding="utf-8")
    assert "<!-- theories: probabilities -->" in page and "<!-- theories: fit -->" in page
    assert study.render(page, root / "results" / "theories") == page, (
        "docs/theories.md is stale: python experiments/theories.py --doc docs/theories.md"
    )


def test_counts_are_observed_as_the_data_were():
    sel = select_theories(
        ["seed", "common_factors"], simulations=400, blocks=2, seed=3, observation="count", **SMALL
    )
    for draws in sel.draws.values():
        early = draws["stat_early_leavers:peer:2"].dropna()
        assert set(early.unique()) <= {0.0, 0.5, 1.0}  # 2 leavers
        uptake = draws["stat_companionship:peer"] * 11
        np.testing.assert_allclose(uptake, np.round(uptake))  # 11 interviewees
    share = select_theories(["seed", "common_factors"], simulations=400, blocks=2, seed=3, **SMALL)
    assert not set(share.draws["seed"]["stat_early_leavers:peer:2"].dropna().unique()) <= {0.0, 0.5, 1.0}
    with pytest.raises(ValueError, match="observation"):
        select_theories(["seed", "common_factors"], observation="bogus", **SMALL)


def test_priors_can_be_replaced_for_a_sensitivity_analysis_without_touching_the_register():
    from peersim.data.register import Prior, register

    before = register()["dropout_intercept"].prior
    wide = select_theories(
        ["seed", "common_factors"],
        simulations=200,
        blocks=2,
        seed=4,
        priors={"dropout_intercept": Prior("uniform", -6.0, -5.0)},
        **{**SMALL, "parameters": ["dropout_intercept", "qpr_centre"]},
    )
    assert register()["dropout_intercept"].prior == before
    values = wide.draws["seed"].dropout_intercept
    assert values.between(-6.0, -5.0).all()
    with pytest.raises(ValueError, match="no entry"):
        select_theories(["seed", "common_factors"], priors={"bogus": before}, **SMALL)
