"""Shared helpers: scripted tiny groups whose every attribute is set by the test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peersim import Params
from peersim.core.kernel import Kernel
from peersim.core.population import validate_population

# Two people as alike as possible: same age, neither employed, both alone, both diagnosed, same stage.
ALIKE = {
    "age": 40.0,
    "employed": 0,
    "lives_alone": 1,
    "diagnosis": 1,
    "sharing_vulnerability": 0.0,
    "adversity": 0.5,
    "system_distrust": 0.5,
    "recovery_stage": 0.4,
    "wish_for_change": 0.5,
}


def scripted_kernel(rows: list[dict], seed: int = 1, record_ties: bool = False, **params) -> Kernel:
    """A one-run kernel over the given people (missing attributes from ALIKE)."""
    population = pd.DataFrame([{**ALIKE, **row} for row in rows])
    p = Params(group_size=len(rows), **params)
    return Kernel(p, seed, np.array([0]), validate_population(population, p), record_ties=record_ties)


@pytest.fixture
def kernel_factory():
    return scripted_kernel


# --- tiers and layers ---------------------------------------------------------------------------
# `make test-fast` runs what is not marked slow (unit, property and exact tests: under a minute on
# 2 cores); `make test` runs everything. A test is slow when it starts processes, servers or a
# browser, runs a study script, or takes seconds of statistics (pytest --durations=0 measures it).
SLOW_FILES = {"test_studies.py", "test_browser.py", "test_tour.py", "test_lesson.py"}
SLOW_TESTS = {
    "test_a_write_cut_by_a_file_size_limit_then_resume_gives_every_run",
    "test_sigkill_then_resume_equals_an_uninterrupted_run",
    "test_cli_sensitivity",
    "test_a_run_is_the_same_alone_and_in_any_mixed_batch",
    "test_killing_a_dask_local_cluster_client_leaves_no_worker",
    "test_killing_the_sweep_leaves_no_worker",
    "test_invariants_over_the_parameter_space",
    "test_killing_peersim_viz_stops_its_server",
    "test_serial_process_pool_and_dask_give_identical_tables",
    "test_figures_write_files",
    "test_mixed_model_matches_statsmodels",
    "test_prim_finds_the_planted_region",
    "test_run_out_writes_provenance_and_guards_other_scenarios",
    "test_a_spec_files_out_outside_the_current_folder_needs_confirming",
    "test_abc_smc_runs_resumes_and_checks",
    "test_the_same_seed_gives_the_same_answer",
    "test_cli_sweep_errors_exit_2",
    "test_populations_accept_or_refuse_in_one_line",
    "test_probabilities_sum_to_one_with_intervals",
    "test_counts_are_observed_as_the_data_were",
    "test_sensitivity_of_the_model_through_the_runner",
    "test_a_killed_writer_releases_the_folder_and_reads_as_stopped",
    "test_cli_spec_errors_are_one_line_in_a_real_process",
}
#: The layer each test file exercises (docs/architecture.md): `pytest -m core` and so on.
LAYER_OF = {
    "test_rng.py": "core",
    "test_params.py": "core",
    "test_sets.py": "core",
    "test_mechanisms.py": "core",
    "test_theories.py": "core",
    "test_properties.py": "core",
    "test_baseline.py": "core",
    "test_layers.py": "core",
    "test_mechanism_contract.py": "core",
    "test_extending.py": "core",
    "test_evidence.py": "data",
    "test_engine.py": "run",
    "test_progress.py": "run",
    "test_sensitivity.py": "stats",
    "test_discovery.py": "stats",
    "test_trial.py": "studies",
    "test_study_file.py": "studies",
    "test_analysis.py": "studies",
    "test_patterns.py": "studies",
    "test_patterns_theories.py": "studies",
    "test_calibration.py": "inference",
    "test_selection.py": "inference",
    "test_sbc.py": "inference",
    "test_validation.py": "inference",
    "test_experiments.py": "sweep",
    "test_store.py": "sweep",
    "test_damaged.py": "sweep",
    "test_model.py": "mesa",
    "test_cli.py": "apps",
    "test_uncertainty.py": "apps",
    "test_inputs.py": "apps",
    "test_browser.py": "apps",
    "test_studies.py": "apps",
    "test_tour.py": "apps",
    "test_teaching.py": "apps",
    "test_lesson.py": "apps",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.path.name
        if name in LAYER_OF:
            item.add_marker(getattr(pytest.mark, LAYER_OF[name]))
        if name in SLOW_FILES or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


def pytest_sessionstart(session):
    # every test file has its layer: a new file without one would escape `pytest -m <layer>`
    here = Path(__file__).parent
    missing = sorted(p.name for p in here.glob("test_*.py") if p.name not in LAYER_OF)
    if missing:
        raise pytest.UsageError(f"tests/conftest.py LAYER_OF has no layer for {', '.join(missing)}")
