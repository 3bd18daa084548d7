"""Parameters per run: a table of parameter sets simulated in mixed batches.

The invariant (ARCHITECTURE.md, "the run axis carries parameters too"): a run's rows are the same,
bit for bit, whether its parameter set is simulated alone, in a homogeneous batch, or in any mixed
batch with other sets; run k of every set is the same people with the same draws.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import logit

import peersim
from peersim import Params, simulate, simulate_sets
from peersim.core.perrun import PerRun, any_run, choose, column
from peersim.core.sets import STRUCTURAL, ParamSets

BASE = Params(follow_up_weeks=3)
SHORT = {"follow_up_weeks": 3}
_FIELDS = {f.name: f for f in fields(Params)}
PER_RUN = [
    name
    for name, f in _FIELDS.items()
    if name not in STRUCTURAL and name not in ("session_plan",) and f.metadata is not None
]


def value_strategy(name: str):
    f = _FIELDS[name]
    meta = f.metadata
    if meta["choices"]:
        return st.sampled_from(meta["choices"])
    if f.type in ("bool", bool):
        return st.booleans()
    if f.type in ("int", int):
        return st.integers(int(meta["lo"]), int(meta["hi"]))
    return st.floats(meta["lo"], meta["hi"], allow_nan=False, allow_subnormal=False)


@st.composite
def parameter_sets(draw):
    names = draw(st.lists(st.sampled_from(PER_RUN), min_size=1, max_size=6, unique=True))
    if draw(st.booleans()):  # sometimes a shape parameter too, so batches split
        names.append("group_size")
    k = draw(st.integers(2, 4))
    rows = []
    for _ in range(k):
        rows.append(
            {
                name: draw(st.integers(3, 6) if name == "group_size" else value_strategy(name))
                for name in names
            }
        )
    return pd.DataFrame(rows)


def alone(row: dict, runs: int, seed: int, first_run: int = 0, record: str = "summary"):
    return simulate(BASE.replace(**row), runs=runs, seed=seed, first_run=first_run, record=record)


def rows_of(table: pd.DataFrame, label) -> pd.DataFrame:
    return table[table.set == label].drop(columns="set").reset_index(drop=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sets=parameter_sets(),
    replicates=st.integers(1, 3),
    seed=st.integers(0, 2**40),
    chunk=st.integers(1, 7),
    order=st.randoms(use_true_random=False),
)
def test_a_run_is_the_same_alone_and_in_any_mixed_batch(sets, replicates, seed, chunk, order):
    shuffled = sets.sample(frac=1.0, random_state=order.randint(0, 2**31))
    mixed = simulate_sets(shuffled, replicates=replicates, seed=seed, base=BASE, chunk_size=chunk)
    for label, row in sets.iterrows():
        one = alone(row.to_dict(), replicates, seed)
        pd.testing.assert_frame_equal(rows_of(mixed.participants, label), one.participants, check_exact=True)
        pd.testing.assert_frame_equal(rows_of(mixed.groups, label), one.groups, check_exact=True)


def test_sessions_table_and_first_run_in_a_mixed_batch():
    sets = pd.DataFrame(
        {
            "facilitator_role": ["paid", "volunteer", "paid"],
            "covid_restrictions": [True, False, False],
            "companionship_offered": [True, True, False],
            "uptake_base": [0.9, 0.5, 0.9],
            "group_rules": [False, True, True],
        },
        index=["a", "b", "c"],
    )
    res = simulate_sets(sets, replicates=3, seed=4, base=BASE, record="sessions", first_run=7)
    assert res.groups.set.tolist() == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    assert res.groups.run.tolist() == [7, 8, 9] * 3
    for label, row in sets.iterrows():
        one = alone(row.to_dict(), 3, 4, first_run=7, record="sessions")
        pd.testing.assert_frame_equal(rows_of(res.sessions, label), one.sessions, check_exact=True)
        pd.testing.assert_frame_equal(rows_of(res.participants, label), one.participants, check_exact=True)


def test_common_random_numbers_across_sets():
    sets = pd.DataFrame(
        {"facilitator_skill": [0.2, 0.9], "setting": ["civil_society", "mental_health_service"]}
    )
    part = simulate_sets(sets, replicates=5, seed=1, base=BASE).participants
    # the same people (attributes) in run k of every set; their courses differ
    static = ["age", "employed", "adversity", "recovery_stage"]
    a, b = (part[part.set == s].reset_index(drop=True) for s in (0, 1))
    pd.testing.assert_frame_equal(a[["run", "member", *static]], b[["run", "member", *static]])
    assert not np.array_equal(a.safety_end, b.safety_end)


def test_shape_parameters_split_batches_and_rows_come_back_in_order():
    sets = pd.DataFrame(
        {"group_size": [4, 6, 4, 6], "n_sessions": [10, 10, 8, 8], "tie_rate": [0.1, 0.2, 0.3, 0.4]}
    )
    table = ParamSets(sets, BASE)
    batches = table.batches(np.repeat(np.arange(4), 2))
    assert len(batches) == 4
    res = simulate_sets(sets, replicates=2, seed=2, base=BASE, chunk_size=3)
    assert res.groups[["set", "run"]].values.tolist() == [[s, r] for s in range(4) for r in range(2)]
    assert res.groups.group_size.tolist() == [4, 4, 6, 6, 4, 4, 6, 6]
    for label, row in sets.iterrows():
        pd.testing.assert_frame_equal(rows_of(res.groups, label), alone(row.to_dict(), 2, 2).groups)


def test_a_homogeneous_table_is_simulate():
    sets = pd.DataFrame({"facilitator_skill": [BASE.facilitator_skill] * 3})  # the default, three times
    res = simulate_sets(sets, replicates=4, seed=3, base=BASE)
    one = alone({}, 4, 3)
    for label in range(3):
        pd.testing.assert_frame_equal(rows_of(res.participants, label), one.participants, check_exact=True)


def test_param_sets_validate_like_params():
    with pytest.raises(ValueError, match=r"set 1: facilitator_skill = 1\.5 is out of range"):
        ParamSets(pd.DataFrame({"facilitator_skill": [0.5, 1.5]}))
    with pytest.raises(ValueError, match="did you mean 'group_size'"):
        ParamSets([{"grup_size": 5}])
    with pytest.raises(ValueError, match="no rows"):
        ParamSets(pd.DataFrame({"group_size": []}))
    with pytest.raises(ValueError, match="a population fixes the group size"):
        simulate_sets([{"group_size": 5}], population=[{"age": 30}, {"age": 50}])
    # numpy scalars (what pandas hands out) and missing values (the base value) are fine
    table = ParamSets(pd.DataFrame({"group_size": np.array([5, 7]), "tie_rate": [0.2, np.nan]}), BASE)
    assert table.params(0).group_size == 5 and isinstance(table.params(0).group_size, int)
    assert table.params(1).tie_rate == BASE.tie_rate
    assert table.frame().group_size.tolist() == [5, 7]


def test_set_results_and_public_names():
    res = peersim.simulate_sets([{"group_size": 5}, {"group_size": 6}], replicates=2, seed=0, base=BASE)
    assert isinstance(res, peersim.SetResults)
    assert res.participants.columns[:3].tolist() == ["set", "run", "member"]
    assert "2 parameter sets x 2 replicates" in repr(res)


# --- PerRun: numpy's scalar rules, run by run -------------------------------------------------------
def test_per_run_follows_python_scalar_promotion():
    values = np.array([0.395, 0.1, 0.7])
    p = PerRun(values)
    x = (np.arange(12, dtype=np.float32).reshape(3, 4) + 1) / 7
    mixed = p * x
    assert mixed.dtype == np.float32
    for r, v in enumerate(values):
        assert np.array_equal(mixed[r], float(v) * x[r])  # Python float: weak, stays float32
    # against three-axis arrays it broadcasts along the run axis
    pair = np.ones((3, 2, 2), dtype=np.float32)
    assert np.array_equal((p * pair)[:, 0, 0], values.astype(np.float32))
    # Python-level arithmetic stays weak and exact; an explicit ufunc is strong (like np.float64)
    assert (1.0 - p).weak and not logit(p).weak
    assert np.array_equal(logit(p).values, [logit(float(v)) for v in values])
    with pytest.raises(TypeError, match="no single truth value"):
        bool(p > 0.2)


def test_helpers_are_plain_for_plain_values():
    assert choose(True, 1.0, 2.0) == 1.0 and choose(False, 1.0, 2.0) == 2.0
    assert any_run(True) and not any_run(False)
    assert column(0.5, 2, np.float32) == np.float32(0.5)
    picked = choose(PerRun(np.array([True, False])), PerRun(np.array([0.3, 0.4])), 1.0)
    assert picked.values.tolist() == [0.3, 1.0]
    assert column(PerRun(np.array([1, 2])), 3, np.int16).shape == (2, 1, 1)
    with pytest.raises(ValueError, match="without a run axis"):
        PerRun(np.array([0.1, 0.2])) * np.ones(5)


def test_batch_params_is_not_a_params():
    """A kernel batch's parameters are read like Params but do not pretend to be one."""
    from peersim.core.sets import BatchParams

    table = ParamSets(
        pd.DataFrame({"facilitator_skill": [0.5, 0.6], "facilitator_role": ["paid", "volunteer"]})
    )
    ((_, batch),) = table.batches(np.array([0, 1, 0]))
    assert isinstance(batch, BatchParams) and not isinstance(batch, Params)
    assert isinstance(batch.facilitator_skill, PerRun) and batch.group_size == BASE.group_size
    assert isinstance(batch.equality, PerRun) and batch.enabled("safety")
    with pytest.raises(TypeError):
        hash(batch)
    with pytest.raises(AttributeError):
        batch.group_size = 3
