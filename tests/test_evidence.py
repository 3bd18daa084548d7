"""The evidence register: every parameter graded, sourced and given a prior; shown by
`peersim params`; rendered in docs/evidence.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from peersim import Params
from peersim.core.params import _FIELDS
from peersim.data.register import GRADES, check_register, register
from peersim.report.docs import PARAMS_START, render_docs

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
    monkeypatch.setattr("peersim.data.register.register", lambda: fake)
    assert check_register(_FIELDS) == ["tie_rate: no entry in the evidence register"]


def test_params_json_has_the_register_fields():
    out = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "params", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(out.stdout)
    assert len(rows) == len(_FIELDS)
    keys = ["name", "default", "low", "high", "unit", "group", "evidence", "source", "prior"]
    assert all(list(r) == keys for r in rows)
    skill = next(r for r in rows if r["name"] == "facilitator_skill")
    assert skill["evidence"] == "assumption" and skill["prior"]["dist"] == "uniform"
    text = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "params", "--group", "dropout"],
        capture_output=True,
        text=True,
    ).stdout
    assert "C dropout_intercept" in text  # the grade's letter before each name


@pytest.mark.parametrize("page", ["evidence.md", "ODD.md"])
def test_docs_show_the_register_as_it_stands(page):
    """The register in docs/evidence.md and the parameter tables of docs/ODD.md are generated:
    rendering them afresh changes nothing, so they cannot drift from Params and the register."""
    text = (DOCS.parent / page).read_text(encoding="utf-8")
    assert render_docs(text) == text, (
        "run: python -m peersim.report.docs --write docs/evidence.md docs/ODD.md"
    )


def test_every_parameter_has_a_row_in_the_odd():
    text = (DOCS.parent / "ODD.md").read_text(encoding="utf-8")
    listed = set()
    for block in text.split(PARAMS_START)[1:]:
        head = block.split("-->", 1)[0]
        if head.strip() != "end":
            listed.update(head.split())
    assert set(_FIELDS) <= listed, sorted(set(_FIELDS) - listed)


def test_render_docs_rewrites_only_the_blocks(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("before\n<!-- params: tie_rate -->\nstale\n<!-- params: end -->\nafter\n")
    subprocess.run([sys.executable, "-m", "peersim.report.docs", "--write", str(page)], check=True)
    text = page.read_text()
    assert text.startswith("before\n<!-- params: tie_rate -->\n| Parameter |")
    assert "| `tie_rate` | 0.395 | 0 to 1 | 1/session | calibrated |" in text
    assert text.endswith("<!-- params: end -->\nafter\n") and "stale" not in text
    with pytest.raises(ValueError, match="unknown parameter 'nope'"):
        render_docs("<!-- params: nope -->\n<!-- params: end -->\n")


@pytest.mark.parametrize("bad", ['[x]\nevidence = "guess"', '[x]\nevidence = "seed"\nsource = "s"'])
def test_bad_register_entries_are_one_line_errors(bad, tmp_path):
    import tomllib

    from peersim.data.register import _entry

    name, raw = next(iter(tomllib.loads(bad).items()))
    with pytest.raises(ValueError, match=r"evidence.toml \[x\]"):
        _entry(name, raw)
