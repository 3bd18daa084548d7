"""Experiments at scale: specs as data, deterministic chunks, any executor, resumable storage."""

from peersim.experiments.results import SweepResults, load_results
from peersim.experiments.runner import SerialExecutor, SweepReport, plan_chunks, run_sweep
from peersim.experiments.spec import ExperimentSpec, SpecError, load_spec, parse_spec

__all__ = [
    "ExperimentSpec",
    "SerialExecutor",
    "SpecError",
    "SweepReport",
    "SweepResults",
    "load_results",
    "load_spec",
    "parse_spec",
    "plan_chunks",
    "run_sweep",
]
