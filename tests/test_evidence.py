"""The evidence register: every parameter graded, sourced and given a prior; shown by
`peersim params`; rendered in docs/evidence.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from peersim import Params
from peersim.evidence import GRADES, check_register, markdown, register
from peersim.params import _FIELDS

DOCS = Path(__file__).resolve().parent.parent / "docs" / "evidence.md"


def test_every_parameter_is_graded_sourced_and_has_a_prior():
    assert check_register(_FIELDS) == []
    entries = register()
    assert set(entries) == set(_FIELDS)
    for name, entry in entries.items():
        assert entry.grade in GRADES and entry.source, name
        # a fixed prior only for what a user chooses (switches, shapes, categories, the plan)
        if entry.prior.fixed:
            meta = _FIELDS[name].metadata
            numeric_choice = name in ("group_size", "n_sessions", "follow_up_weeks", "n_facilitators")
            numeric_choice = numeric_choice or name == "companionship_weeks"
            assert meta["lo"] is None or numeric_choice, f"{name}: an uncertain number needs a real prior"


def test_priors_hold_the_defaults_and_sample_inside_the_valid_range():
    defaults = Params()
    for name, entry in register().items():
        if entry.prior.fixed:
            continue
        draws = entry.prior.ppf([0.001, 0.5, 0.999])
        meta = _FIELDS[name].metadata
        assert meta["lo"] <= draws.min() and draws.max() <= meta["hi"], name
        assert entry.prior.low <= getattr(defaults, name) <= entry.prior.high, name


def test_check_register_names_problems(monkeypatch):
    fake = dict(register())
    fake.pop("tie_rate")
    monkeypatch.setattr("peersim.evidence.register", lambda: fake)
    assert check_register(_FIELDS) == ["tie_rate: no entry in the evidence register"]


def test_params_json_has_the_register_fields():
    out = subprocess.run(
        [sys.executable, "-m", "peersim.cli", "params", "--json"], capture_output=True, text=True, check=True
    )
    rows = json.loads(out.stdout)
    assert len(rows) == len(_FIELDS)
    keys = ["name", "default", "low", "high", "unit", "group", "evidence", "source", "prior"]
    assert all(list(r) == keys for r in rows)
    skill = next(r for r in rows if r["name"] == "facilitator_skill")
    assert skill["evidence"] == "assumption" and skill["prior"]["dist"] == "uniform"
    text = subprocess.run(
        [sys.executable, "-m", "peersim.cli", "params", "--group", "dropout"], capture_output=True, text=True
    ).stdout
    assert "C dropout_intercept" in text  # the grade's letter before each name


def test_docs_show_the_register_as_it_stands():
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("<!-- register: generated -->\n") + len("<!-- register: generated -->\n")
    end = text.index("<!-- register: end -->")
    assert text[start:end].strip() == markdown().strip(), "run: python -m peersim.evidence"


@pytest.mark.parametrize("bad", ['[x]\nevidence = "guess"', '[x]\nevidence = "seed"\nsource = "s"'])
def test_bad_register_entries_are_one_line_errors(bad, tmp_path):
    import tomllib

    from peersim.evidence import _entry

    name, raw = next(iter(tomllib.loads(bad).items()))
    with pytest.raises(ValueError, match=r"evidence.toml \[x\]"):
        _entry(name, raw)
