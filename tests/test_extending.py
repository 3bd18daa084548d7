"""docs/extending.md's example: a mechanism added from outside the package, with no package module
edited, runs in both engines (which agree) and can be switched off."""

from __future__ import annotations

import pandas as pd
import pytest

from peersim import Params, PeerGroupModel, simulate
from peersim.core.mechanisms import registry
from peersim.core.mechanisms.registry import Mechanism
from peersim.core.state import Context, State, Update, nudge


def encouragement(st: State, ctx: Context) -> Update:
    """Those present who shared this week gain a little hope (a made-up example)."""
    lifted = st.present & st.shared[:, : ctx.group.n]
    return Update({"hope": nudge(st.hope, up=0.02 * lifted)}, fired=lifted)


SPEC = Mechanism(
    name="encouragement",
    phase="session",
    run=encouragement,
    after="role_modelling",
    writes=("hope",),
    label="Encouragement",
    short="encour",
    story=(("encouragement", "was encouraged by the group"),),
    switched_off="no hope from encouragement.",
)


@pytest.fixture
def registered():
    registry.register(SPEC)
    yield SPEC
    registry.unregister(SPEC.name)


def test_registered_mechanism_runs_in_both_engines(registered):
    from tests.test_mechanism_contract import check_mechanism

    check_mechanism(registered)
    batch = simulate(Params(), runs=1, seed=7, record="sessions").participants
    model = PeerGroupModel(rng=7)
    model.run_model()
    assert batch["mech_encouragement_sessions"].sum() > 0
    cols = [c for c in batch.columns if c in model.participants_frame().columns]
    one = model.participants_frame()[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        batch[cols].reset_index(drop=True), one, check_exact=True, check_dtype=False
    )


def test_registered_mechanism_can_be_switched_off(registered):
    on = simulate(Params(), runs=20, seed=3).participants
    off = simulate(Params(disabled_mechanisms=("encouragement",)), runs=20, seed=3).participants
    assert off["mech_encouragement_sessions"].sum() == 0
    assert on["hope_end"].mean() > off["hope_end"].mean()
    registry.unregister(SPEC.name)
    plain = simulate(Params(), runs=20, seed=3).participants
    pd.testing.assert_frame_equal(plain, off.drop(columns=["mech_encouragement_sessions"]), check_exact=True)


def test_registered_mechanism_speaks_in_the_narrative(registered):
    from peersim.report.narrative import story

    _, text = story(Params(), 7)
    assert "was encouraged by the group" in text
