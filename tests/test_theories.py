"""Rival programme theories (peersim/core/theories.py, docs/ODD.md 7.14): each runs, each follows its
own forms, and the choice batches like any other structural parameter.

These are exact tests of the forms (what a theory's mechanisms read and ignore), not pattern
tests: whether the theories can be told apart from data is tested in tests/test_patterns_theories.py
and studied in experiments/theories.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peersim
from peersim import THEORIES, Params, simulate, simulate_sets

RIVALS = [name for name in THEORIES if name != "seed"]
STATE_COLUMNS = ("safety_end", "safety_baseline", "mech_safety_sessions")


def test_every_theory_is_a_choice_of_the_theory_parameter_and_documented():
    assert Params().theory == "seed"
    assert tuple(THEORIES) == Params.__dataclass_fields__["theory"].metadata["choices"]
    text = (Path(peersim.__file__).parents[1] / "docs" / "ODD.md").read_text(encoding="utf-8")
    for name, theory in THEORIES.items():
        assert f"**{name}**" in text or name == "seed", name
        assert theory.forms and theory.evidence and theory.claim
    with pytest.raises(ValueError, match="theory"):
        Params(theory="bogus")


@pytest.mark.parametrize("name", RIVALS)
def test_each_rival_runs_and_differs_from_the_seed(name):
    seed = simulate(Params(), runs=40, seed=3).participants
    rival = simulate(Params(theory=name), runs=40, seed=3).participants
    assert len(rival) == len(seed)
    assert not rival["qpr_end"].equals(seed["qpr_end"])
    # same people (the population is drawn before any mechanism runs)
    assert rival["adversity"].equals(seed["adversity"])


def _without_safety(theory: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    on = simulate(Params(theory=theory), runs=30, seed=5).participants
    off = simulate(Params(theory=theory, disabled_mechanisms=("safety",)), runs=30, seed=5).participants
    return on, off


@pytest.mark.parametrize("name", ["differences_only", "common_factors"])
def test_without_a_safety_pathway_knocking_out_safety_changes_nothing_else(name):
    on, off = _without_safety(name)
    rest = [c for c in on.columns if c not in STATE_COLUMNS]
    pd.testing.assert_frame_equal(on[rest], off[rest])
    assert not on["safety_end"].equals(off["safety_end"])  # safety itself did move


def test_under_the_seed_theory_knocking_out_safety_changes_outcomes():
    on, off = _without_safety("seed")
    assert not on["qpr_end"].equals(off["qpr_end"])


def test_common_factors_has_no_comparison_or_storytelling_and_ties_only_to_facilitators():
    from peersim.core.kernel import Kernel

    kernel = Kernel(Params(theory="common_factors"), 2, np.arange(20))
    kernel.run()
    n = kernel.group.n
    assert (kernel.state.ties[:, :, :n] == 0).all()  # no tie between participants
    assert (kernel.state.ties[:, :, n:] > 0).any()  # an alliance with the facilitators
    p = simulate(Params(theory="common_factors"), runs=20, seed=2).participants
    for channel in ("comparison", "comparison_up", "comparison_down", "self_image"):
        assert (p[f"mech_{channel}_sessions"] == 0).all(), channel
    assert (p["mech_role_modelling_sessions"] > 0).any()  # hope from attending
    # the same people and draws with sharing switched off: sharing feeds nothing else
    quiet = simulate(
        Params(theory="common_factors", disabled_mechanisms=("sharing",)), runs=20, seed=2
    ).participants
    for column in ("hope_end", "self_image_end", "connectedness_end", "dropped_out", "qpr_end"):
        np.testing.assert_array_equal(p[column].to_numpy(), quiet[column].to_numpy(), err_msg=column)


def test_upward_comparison_never_fires_downward_and_needs_its_own_gain():
    p = simulate(Params(theory="upward_comparison"), runs=40, seed=4).participants
    assert (p["mech_comparison_down_sessions"] == 0).all()
    assert (p["mech_comparison_up_sessions"] > 0).any()
    flat = simulate(Params(theory="upward_comparison", upward_self_image_gain=0.0), runs=40, seed=4)
    assert (flat.participants["self_image_end"] <= p["self_image_end"]).all()
    assert (flat.participants["self_image_end"] < p["self_image_end"]).any()


def test_differences_only_dropout_depends_on_misfit_alone():
    # with no weight on misfit the hazard is the constant dropout_intercept_rival: connectedness,
    # safety, gains and the seed theory's intercept change nothing about who leaves
    base = {"theory": "differences_only", "dropout_misfit": 0.0}
    a = simulate(Params(**base), runs=30, seed=6).participants
    b = simulate(
        Params(
            **base, dropout_connectedness=0.0, dropout_safety=0.0, dropout_value=0.0, dropout_intercept=0.0
        ),
        runs=30,
        seed=6,
    )
    np.testing.assert_array_equal(a["dropout_session"], b.participants["dropout_session"])
    c = simulate(Params(**base, share_intercept=-5.0), runs=30, seed=6).participants
    np.testing.assert_array_equal(a["dropout_session"], c["dropout_session"])


def test_theories_batch_together_bit_for_bit():
    sets = pd.DataFrame({"theory": ["common_factors", "seed", "differences_only", "upward_comparison"]})
    together = simulate_sets(sets, replicates=3, seed=9).participants
    for i, name in enumerate(sets.theory):
        alone = simulate(Params(theory=name), runs=3, seed=9).participants
        mine = together[together.set == i].drop(columns="set").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone[mine.columns])


def test_the_mesa_model_runs_every_theory():
    from peersim.mesa.model import PeerGroupModel

    for name in THEORIES:
        model = PeerGroupModel(Params(theory=name), rng=1)
        for _ in range(3):
            model.step()
        assert len(model.agents) > 0


def test_the_seed_theorys_posterior_is_refused_for_a_rival():
    with pytest.raises(ValueError, match="calibrated under theory 'seed'"):
        simulate(Params(theory="common_factors"), runs=2, seed=1, uncertainty="posterior")
