"""Properties over the whole parameter space (hypothesis)."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersim
from peersim import MECHANISMS, Params, PeerGroupModel
from peersim.core.state import STATES

_FIELDS = [f for f in fields(Params) if f.name not in ("session_plan",)]


@st.composite
def params(draw) -> Params:
    values = {}
    for f in _FIELDS:
        if not draw(st.booleans()):
            continue  # keep the default for about half the parameters
        meta = f.metadata
        if f.name == "disabled_mechanisms":
            values[f.name] = tuple(draw(st.sets(st.sampled_from(MECHANISMS))))
        elif meta["choices"]:
            values[f.name] = draw(st.sampled_from(meta["choices"]))
        elif f.type == "bool":
            values[f.name] = draw(st.booleans())
        elif f.type == "int":
            hi = meta["hi"] if f.name not in ("follow_up_weeks", "companionship_weeks") else 30
            values[f.name] = draw(st.integers(meta["lo"], min(hi, 16 if f.name == "n_sessions" else hi)))
        else:
            values[f.name] = draw(st.floats(meta["lo"], meta["hi"], allow_nan=False))
    return Params(**values)


def _check_states(res) -> None:
    part, sessions = res.participants, res.sessions
    state_cols = [c for c in part.columns if c.split("_")[0] in {s.split("_")[0] for s in STATES}]
    values = part[[c for c in state_cols if part[c].dtype.kind == "f"]].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all() and (values <= 1).all()
    for col in (*STATES, "bridging", "recovery", "similarity_to_group"):
        v = sessions[col].to_numpy()
        assert np.isfinite(v).all() and (v >= 0).all() and (v <= 1).all(), col
    assert part["qpr_end"].between(0, 60).all()
    # dropouts never return: once out, never present and never back in
    s = sessions.sort_values(["run", "member", "week"])
    out = s.groupby(["run", "member"]).dropped_out.cummax()
    assert (out == s.dropped_out).all()
    # present in the session they left after, never in a later one
    was_out = s.groupby(["run", "member"]).dropped_out.shift(1, fill_value=False)
    assert not (was_out & s.present).any()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=params(), seed=st.integers(0, 2**40))
def test_invariants_over_the_parameter_space(p, seed):
    res = peersim.simulate(p, runs=3, seed=seed, record="sessions", chunk_size=2)
    _check_states(res)
    again = peersim.simulate(p, runs=3, seed=seed, record="sessions", chunk_size=3)
    pd.testing.assert_frame_equal(res.participants, again.participants)  # same seed, any chunking
    pd.testing.assert_frame_equal(res.sessions, again.sessions)
    model = PeerGroupModel(params=p, rng=seed, run=2)
    model.run_model()
    expected = res.participants[res.participants.run == 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(model.participants_frame(), expected)  # batch == Mesa
