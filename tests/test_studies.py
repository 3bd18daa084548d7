"""A small version of every study script in experiments/ runs and writes its figure and tables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

STUDIES = (
    "baseline",
    "contexts",
    "composition",
    "size_and_skill",
    "course_length",
    "companionship",
    "sensitivity",
    "scenario_discovery",
)
SCRIPTS_WITHOUT_SWEEP = ("trial", "calibration", "theories", "validation")
ROOT = Path(__file__).resolve().parent.parent


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"study_{name}", ROOT / "experiments" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", STUDIES)
def test_small_study_runs_and_writes_outputs(name, tmp_path):
    written = load(name).main(["--small", "--workers", "1", "--quiet", "--out", str(tmp_path)])
    assert written
    for path in written:
        assert Path(path).exists() and Path(path).stat().st_size > 0, path
    pngs = list(tmp_path.glob("*.png"))
    csvs = list(tmp_path.glob("*.csv"))
    assert pngs and csvs
    # a second run resumes the finished sweep instead of recomputing it
    again = load(name).main(["--small", "--workers", "1", "--quiet", "--out", str(tmp_path)])
    assert [p.name for p in map(Path, again)] == [p.name for p in map(Path, written)]


@pytest.mark.parametrize("name", SCRIPTS_WITHOUT_SWEEP)
def test_small_trial_and_calibration_scripts(name, tmp_path):
    written = load(name).main(["--small", "--out", str(tmp_path)])
    for path in written:
        assert Path(path).exists() and Path(path).stat().st_size > 0, path
