"""Model choice between rival theories (peersim/inference/selection.py, ABC random forests): the
machinery, on a small problem. What the study finds is in results/theories/ and docs/theories.md."""

from __future__ import annotations

import numpy as np
import pytest

from peersim.inference.selection import select_theories, usable_targets

SMALL = {"parameters": ["dropout_intercept", "qpr_centre", "attention_gain"], "trees": 60}


@pytest.fixture(scope="module")
def selection():
    return select_theories(
        ["seed", "common_factors", "differences_only"], simulations=300, accept=30, seed=2, **SMALL
    )


def test_votes_confusion_and_error_rate_agree(selection):
    p = selection.probabilities
    assert list(p.theory) == ["seed", "common_factors", "differences_only"]
    assert p.votes.sum() == pytest.approx(1.0) and p.chosen.sum() == 1
    assert p.loc[p.chosen, "votes"].item() == p.votes.max()
    # only the chosen theory gets a posterior probability, and it is a probability
    assert p.probability.notna().sum() == 1 and 0.0 <= p.probability.dropna().item() <= 1.0
    c = selection.confusion
    assert c.to_numpy().sum() == 900 and (c.sum(axis=1) == 300).all()
    # the prior error rate is the off-diagonal share of the confusion matrix, per theory and overall
    off = 1.0 - np.diag(c.to_numpy()) / c.sum(axis=1).to_numpy()
    np.testing.assert_allclose(p.error_rate, off)
    assert selection.prior_error_rate == pytest.approx(1.0 - np.trace(c.to_numpy()) / 900)


def test_purposive_observations_are_left_out_unless_asked(selection):
    assert selection.left_out == ["early_dropout_share"]
    assert "early_leavers:peer:2" not in selection.statistics
    every = select_theories(["seed", "common_factors"], simulations=200, seed=3, purposive=True, **SMALL)
    assert every.left_out == [] and "early_leavers:peer:2" in every.statistics
    from peersim.data.targets import load_targets

    assert "early_dropout_share" not in usable_targets(load_targets())


def test_the_same_seed_gives_the_same_answer(selection):
    again = select_theories(
        ["seed", "common_factors", "differences_only"], simulations=300, accept=30, seed=2, **SMALL
    )
    assert again.probabilities.equals(selection.probabilities)
    assert again.confusion.equals(selection.confusion)


def test_bad_requests_say_what_is_wrong():
    with pytest.raises(ValueError, match="unknown 'bogus'"):
        select_theories(["seed", "bogus"], **SMALL)
    with pytest.raises(ValueError, match="need two or more"):
        select_theories(["seed"], **SMALL)
    with pytest.raises(ValueError, match="trees = 3"):
        select_theories(["seed", "common_factors"], **{**SMALL, "trees": 3})


def test_the_theories_page_shows_the_committed_results():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("study_theories", root / "experiments" / "theories.py")
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    page = (root / "docs" / "theories.md").read_text(encoding="utf-8")
    assert "<!-- theories: probabilities -->" in page and "<!-- theories: confusion -->" in page
    assert study.render(page, root / "results" / "theories") == page, (
        "docs/theories.md is stale: python experiments/theories.py --doc docs/theories.md"
    )


def test_priors_can_be_replaced_for_a_sensitivity_analysis_without_touching_the_register():
    from peersim.data.register import Prior, register

    before = register()["dropout_intercept"].prior
    wide = select_theories(
        ["seed", "common_factors"],
        simulations=200,
        seed=4,
        priors={"dropout_intercept": Prior("uniform", -6.0, -5.0)},
        **{**SMALL, "parameters": ["dropout_intercept", "qpr_centre"]},
    )
    assert register()["dropout_intercept"].prior == before
    values = wide.draws["seed"].dropout_intercept
    assert values.between(-6.0, -5.0).all()
    with pytest.raises(ValueError, match="no entry"):
        select_theories(["seed", "common_factors"], priors={"bogus": before}, **SMALL)
