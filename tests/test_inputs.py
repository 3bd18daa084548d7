"""Every public input ends in a result or a one-line error naming what is wrong, never a traceback.

Hypothesis throws arbitrary values (huge integers, infinities, NaN, numpy scalars, deep nesting,
wrong types) at Params, replace, parse_spec and validate_population, and accepts only a valid
result or a clean ValueError (SpecError is one) of one line. The CLI cases are the issue's.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersim
from peersim import Params
from peersim.apps.cli import main
from peersim.core.population import STATIC_ATTRIBUTES, validate_population
from peersim.sweep import SpecError, parse_spec
from peersim.sweep.spec import _TOP_KEYS

NAMES = [f.name for f in fields(Params)]


def nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from([*NAMES, "civil_society", "paid", "sharing", "title", "themes"]),
    st.builds(np.int64, st.integers(-(2**63), 2**63 - 1)),
    st.builds(np.float32, st.floats(width=32)),
    st.builds(np.bool_, st.booleans()),
    st.builds(nested, st.integers(100, 400)),  # deeper ones: test_deep_values (hypothesis reprs these)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12) | st.sampled_from(NAMES), inner)
    ),
    max_leaves=12,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def clean(error: BaseException) -> None:
    message = str(error)
    assert isinstance(error, ValueError), type(error)
    assert message and "\n" not in message and len(message) < 700, message


@FUZZ
@given(st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), values, max_size=4))
def test_params_accept_or_refuse_in_one_line(kwargs):
    try:
        p = Params(**kwargs)
    except Exception as error:  # the assertion is that it is a one-line ValueError
        clean(error)
        return
    assert p.replace() == p


@FUZZ
@given(st.sampled_from(NAMES), values)
def test_replace_accepts_or_refuses_in_one_line(name, value):
    try:
        Params().replace(**{name: value})
    except Exception as error:
        clean(error)


specs = st.fixed_dictionaries(
    {"replicates": st.integers(1, 3) | values},
    optional={
        key: values
        | st.sampled_from([{}, {"kind": "grid", "factors": {"group_size": [4, 5]}}, ["groups"], "x"])
        for key in _TOP_KEYS
        if key != "replicates"
    },
)


@FUZZ
@given(specs)
def test_specs_accept_or_refuse_in_one_line(data):
    try:
        spec = parse_spec(data)
    except Exception as error:
        clean(error)
        assert isinstance(error, SpecError)
        return
    assert spec.n_points() >= 1


@FUZZ
@given(
    st.lists(
        st.dictionaries(st.sampled_from(STATIC_ATTRIBUTES) | st.text(max_size=6), values, max_size=3),
        min_size=0,
        max_size=5,
    )
)
def test_populations_accept_or_refuse_in_one_line(rows):
    try:
        table = validate_population(rows, Params())
    except Exception as error:
        clean(error)
        return
    assert table is None or set(table.columns) <= set(STATIC_ATTRIBUTES)


def test_deep_values_are_refused_in_one_line():
    deep = nested(5000)
    for kwargs in ({"group_size": deep}, {"disabled_mechanisms": deep}, {"session_plan": [deep]}):
        with pytest.raises(ValueError) as error:
            Params(**kwargs)
        clean(error.value)
    with pytest.raises(SpecError) as error:
        parse_spec({"name": "s", "replicates": 1, "fixed": {"group_size": deep}})
    clean(error.value)


def test_numpy_scalars_are_numbers_and_booleans():
    p = Params(group_size=np.int64(9), facilitator_skill=np.float32(0.5), covid_restrictions=np.bool_(True))
    assert (p.group_size, p.covid_restrictions) == (9, True)
    assert type(p.group_size) is int and type(p.facilitator_skill) is float
    assert p.replace(n_sessions=np.int32(8)).n_sessions == 8


def test_duplicate_population_columns_are_named():
    table = pd.DataFrame([[40, 41], [42, 43]], columns=["age", "age"])
    with pytest.raises(ValueError, match="column 'age' appears twice"):
        validate_population(table, Params())


@pytest.mark.parametrize("seed", [-1, 2**63, 2**64 + 5, 10**400])
def test_seeds_outside_the_streams_are_refused(seed):
    with pytest.raises(ValueError, match=r"seed = .* 0 to 2\*\*63 - 1"):
        peersim.simulate(runs=1, seed=seed)
    with pytest.raises(SpecError, match="seed = "):
        parse_spec({"name": "s", "replicates": 1, "seed": seed})


def test_run_indices_past_the_streams_are_refused():
    with pytest.raises(ValueError, match="goes past run 2"):
        peersim.simulate(runs=2, first_run=2**63 - 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--set", "group_size=inf"], "group_size = inf must be a finite number"),
        (["run", "--set", "facilitator_skill=1e400"], "facilitator_skill = inf must be a finite number"),
        (["run", "--set", "group_size=" + "9" * 400], "group_size = a 400-digit number is out of range"),
        (["run", "--seed", str(2**64)], "--seed 18446744073709551616: must be 0 to 2**63 - 1"),
        (["run", "--runs", "1" + "0" * 400], "--runs a 401-digit number: must be 1 to 2**63 - 1"),
        (["explain", "--run", str(2**70)], "--run 1180591620717411303424: must be 0 to 2**63 - 1"),
        (["explain", "--seed", "-1"], "--seed -1: must be 0 to 2**63 - 1"),
        (["viz", "--port", "70000"], "--port 70000: must be 1 to 65535"),
    ],
)
def test_cli_inputs_end_in_one_line_and_exit_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err


def test_population_files_bom_encoding_and_duplicates(tmp_path, capsys):
    header = "age,employed\n" + "".join(f"{30 + i},{i % 2}\n" for i in range(4))
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + header.encode())
    assert main(["explain", "--population", str(bom), "--member", "1"]) == 0
    capsys.readouterr()
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"age,employed\n40,0\n41,1\n" + "# café\n".encode("latin-1"))
    assert main(["explain", "--population", str(latin)]) == 2
    assert f"--population {latin}: not UTF-8 text" in capsys.readouterr().err
    twice = tmp_path / "twice.csv"
    twice.write_text("age,age\n40,41\n42,43\n")
    assert main(["explain", "--population", str(twice)]) == 2
    assert "column 'age' appears twice" in capsys.readouterr().err


def test_cli_spec_errors_are_one_line_in_a_real_process(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("replicates = 3\n" + "a = " + "{b = " * 5000 + "1" + "}" * 5000 + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "sweep", str(deep)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "deep.toml" in proc.stderr
