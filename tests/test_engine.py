"""The batch engine: tables, chunking, populations, input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import peersim
from peersim import MECHANISMS, Params
from peersim.core.population import STATIC_ATTRIBUTES
from peersim.core.tables import FOLLOWUP, REPORTED


def test_participants_table_has_the_public_columns():
    res = peersim.simulate(Params(), runs=5, seed=1)
    cols = set(res.participants.columns)
    required = {
        "run",
        "member",
        *STATIC_ATTRIBUTES,
        "dropped_out",
        "dropout_session",
        "sessions_attended",
        "shared_sessions",
        "sprouts_end",
        "realised_changes_end",
        "realised_changes_followup",
        "companionship",
        "bridging_followup",
    }
    required |= {f"{n}_{w}" for n in REPORTED for w in ("baseline", "end")}
    required |= {f"{n}_followup" for n in FOLLOWUP}
    required |= {f"mech_{n}_sessions" for n in MECHANISMS}
    assert required <= cols
    assert len(res.participants) == 5 * 8 and len(res.groups) == 5
    assert res.participants["dropout_session"].dtype == "Int64"
    left = res.participants["dropped_out"]
    assert res.participants.loc[~left, "dropout_session"].isna().all()
    assert res.participants.loc[left, "dropout_session"].between(1, 9).all()
    assert res.sessions is None


def test_same_seed_same_tables_other_seed_other_tables():
    a = peersim.simulate(Params(), runs=30, seed=4)
    b = peersim.simulate(Params(), runs=30, seed=4)
    c = peersim.simulate(Params(), runs=30, seed=5)
    pd.testing.assert_frame_equal(a.participants, b.participants)
    pd.testing.assert_frame_equal(a.groups, b.groups)
    assert not a.participants["hope_end"].equals(c.participants["hope_end"])


@pytest.mark.parametrize("chunk", [1, 3, 17, 2000])
def test_run_k_is_the_same_in_any_chunk_size(chunk):
    ref = peersim.simulate(Params(), runs=40, seed=8, chunk_size=40, record="sessions")
    res = peersim.simulate(Params(), runs=40, seed=8, chunk_size=chunk, record="sessions")
    pd.testing.assert_frame_equal(ref.participants, res.participants)
    pd.testing.assert_frame_equal(ref.sessions, res.sessions)


def test_first_run_offsets_run_indices():
    whole = peersim.simulate(Params(), runs=20, seed=8)
    tail = peersim.simulate(Params(), runs=5, seed=8, first_run=15)
    pd.testing.assert_frame_equal(
        whole.participants[whole.participants.run >= 15].reset_index(drop=True), tail.participants
    )


def test_sessions_table_shape_and_phases():
    p = Params(follow_up_weeks=4)
    res = peersim.simulate(p, runs=3, seed=2, record="sessions")
    s = res.sessions
    assert len(s) == 3 * (1 + 10 + 4) * 8
    assert s.groupby("phase").week.agg(["min", "max"]).to_dict("index") == {
        "baseline": {"min": 0, "max": 0},
        "course": {"min": 1, "max": 10},
        "follow_up": {"min": 11, "max": 14},
    }
    assert not s.loc[s.phase != "course", "present"].any()


def test_population_gives_the_same_people_in_every_run():
    people = [{"age": 25 + 5 * i, "employed": i % 2} for i in range(6)]
    res = peersim.simulate(Params(), runs=4, seed=3, population=people)
    part = res.participants
    assert res.params.group_size == 6 and len(part) == 24
    ages = part.pivot(index="run", columns="member", values="age")
    assert (ages.nunique() == 1).all()
    # attributes not given are still drawn per run
    assert part.groupby("member").adversity.nunique().gt(1).all()
    df = pd.DataFrame(people)
    pd.testing.assert_frame_equal(
        peersim.simulate(Params(), runs=4, seed=3, population=df).participants, part
    )


def test_given_attribute_does_not_shift_the_draws_of_others():
    drawn = peersim.simulate(Params(group_size=5), runs=3, seed=3).participants
    given = peersim.simulate(Params(), runs=3, seed=3, population=[{"age": 40.0}] * 5).participants
    np.testing.assert_array_equal(drawn["adversity"], given["adversity"])


@pytest.mark.parametrize(
    ("population", "message"),
    [
        ([{"age": 40, "agee": 3}] * 4, "unknown column 'agee'; did you mean 'age'"),
        ([{"age": 10}] * 4, "column 'age' = 10 for participant 1 is out of range"),
        ([{"age": 30}, {"agee": 40}], "unknown column 'agee'"),
        ([{"adversity": 1.5}] * 4, "out of range"),
        ([{"employed": 0.5}] * 4, "true/false"),
        (pd.DataFrame({"age": [30, None, 40]}), "missing or non-numeric value in participant 2"),
        ([{"age": 30}], "a group needs 2 to 24"),
        ("people.csv", "DataFrame or a list of dicts"),
    ],
)
def test_malformed_population_is_rejected_with_a_clear_message(population, message):
    with pytest.raises(ValueError, match=message):
        peersim.simulate(Params(), runs=2, seed=1, population=population)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"runs": 0}, "runs = 0"),
        ({"seed": -1}, "seed = -1"),
        ({"record": "weeks"}, "record = 'weeks'"),
        ({"chunk_size": 0}, "chunk_size = 0"),
        ({"params": {"group_size": 8}}, "must be a peersim.Params"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        peersim.simulate(**{"runs": 2, **kwargs})


def test_save_writes_parquet(tmp_path):
    res = peersim.simulate(Params(), runs=3, seed=1, record="sessions")
    paths = res.save(tmp_path / "out")
    assert sorted(p.name for p in paths) == ["groups.parquet", "participants.parquet", "sessions.parquet"]
    back = pd.read_parquet(tmp_path / "out" / "participants.parquet")
    assert len(back) == len(res.participants)


def test_control_arm_has_no_group():
    res = peersim.simulate(Params(control_arm=True), runs=20, seed=1)
    part = res.participants
    assert (part.sessions_attended == 0).all() and (part.shared_sessions == 0).all()
    assert not part.dropped_out.any() and (part.sprouts_end == 0).all()
    assert (part.connectedness_end == 0).all()
    # same people as the PEER arm
    peer = peersim.simulate(Params(), runs=20, seed=1).participants
    pd.testing.assert_series_equal(part["age"], peer["age"])
    pd.testing.assert_series_equal(part["qpr_baseline"], peer["qpr_baseline"])
