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
from peersim.data.register import GRADES, NOT_THE_MEDIAN, check_register, register
from peersim.report.docs import PARAMS_START, render_docs

DOCS = Path(__file__).resolve().parent.parent / "docs" / "evidence.md"


def test_every_parameter_is_graded_sourced_and_has_a_prior():
    assert check_register(_FIELDS) == []
    entries = register()
    assert set(entries) == set(_FIELDS)
    for name, entry in entries.items():
        assert entry.grade in GRADES and entry.size in GRADES and entry.source, name
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


def test_every_default_is_its_priors_median():
    """The model before the data: every parameter with a prior defaults to the prior's median (the
    register's central value), so Params() cannot silently disagree with the register. An
    exception must be listed in NOT_THE_MEDIAN with its reason (none now)."""
    defaults = Params()
    for name, reason in NOT_THE_MEDIAN.items():
        assert reason.strip(), f"{name}: an exception needs its reason"
    for name, entry in register().items():
        if entry.prior.fixed or name in NOT_THE_MEDIAN:
            continue
        median = float(entry.prior.ppf(0.5))
        assert getattr(defaults, name) == pytest.approx(median, rel=1e-6, abs=1e-9), (
            f"{name}: default {getattr(defaults, name)} is not its prior's median {median:g}"
        )


def test_no_grade_is_calibrated_and_no_prior_is_an_earlier_fits_range():
    """What the data inform is the posterior's business: no entry is graded "calibrated", and the
    twelve entries once graded so say how their range was chosen (their ``range``)."""
    assert "calibrated" not in GRADES
    once_calibrated = [
        "share_intercept",
        "tie_rate",
        "loneliness_relief",
        "down_gain",
        "role_model_gain",
        "story_gain",
        "mastery_gain",
        "dropout_intercept",
        "dropout_connectedness",
        "dropout_misfit",
        "uptake_base",
        "uptake_covid",
    ]
    for name in once_calibrated:
        entry = register()[name]
        assert entry.range and "Optuna" in entry.range, name
        assert "search range" not in entry.source, name


def test_directions_from_a_source_with_sizes_assumed_are_graded_so():
    """The ten entries whose direction comes from the source and whose size is assumed (issue 18),
    and dropout_value, whose seed passage is about misfit, not value."""
    entries = register()
    for name in [
        "share_modelling",
        "down_mood_cost",
        "not_alone_gain",
        "dreams_gain",
        "story_hurt",
        "success_efficacy",
        "success_adversity",
        "sprout_support_gain",
        "sprout_wither_adversity",
        "difference_employed",
    ]:
        assert entries[name].grade in ("seed", "literature") and entries[name].size == "assumption", name
    assert entries["dropout_value"].grade == "assumption"
    assert "misfit" in entries["dropout_value"].source


def test_check_register_names_a_default_off_its_median(monkeypatch):
    from dataclasses import replace

    fake = dict(register())
    fake["tie_rate"] = replace(fake["tie_rate"], prior=replace(fake["tie_rate"].prior, high=0.9))
    monkeypatch.setattr("peersim.data.register.register", lambda: fake)
    (problem,) = check_register(_FIELDS)
    assert problem.startswith("tie_rate: default 0.325 is not its prior's median 0.475")


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
    keys = ["name", "default", "low", "high", "unit", "group", "evidence", "size", "source", "range", "prior"]
    assert all(list(r) == keys for r in rows)
    skill = next(r for r in rows if r["name"] == "facilitator_skill")
    assert skill["evidence"] == "assumption" and skill["size"] == "assumption"
    assert skill["prior"]["dist"] == "uniform"
    text = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "params", "--group", "dropout"],
        capture_output=True,
        text=True,
    ).stdout
    assert "AA dropout_intercept" in text  # the grades' letters (direction, size) before each name
    assert "SA dropout_misfit" in text


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
    assert "| `tie_rate` | 0.325 | 0 to 1 | 1/session | seed / assumption |" in text
    assert text.endswith("<!-- params: end -->\nafter\n") and "stale" not in text
    with pytest.raises(ValueError, match="unknown parameter 'nope'"):
        render_docs("<!-- params: nope -->\n<!-- params: end -->\n")


@pytest.mark.parametrize(
    "bad",
    [
        '[x]\nevidence = "guess"',
        '[x]\nevidence = "seed"\nsize = "seed"\nsource = "s"',
        '[x]\nevidence = "seed"\nsource = "s"\nprior = { dist = "fixed" }',
        '[x]\nevidence = "seed"\nsize = "calibrated"\nsource = "s"\nprior = { dist = "fixed" }',
    ],
)
def test_bad_register_entries_are_one_line_errors(bad, tmp_path):
    import tomllib

    from peersim.data.register import _entry

    name, raw = next(iter(tomllib.loads(bad).items()))
    with pytest.raises(ValueError, match=r"evidence.toml \[x\]") as error:
        _entry(name, raw)
    assert "\n" not in str(error.value)
