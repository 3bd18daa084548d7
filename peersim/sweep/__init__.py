"""Experiments at scale: specs as data, deterministic chunks, any executor, resumable storage.

Layer 6: imports the layers below it only (docs/architecture.md).
"""

from peersim.sweep.metadata import DamagedResults
from peersim.sweep.results import SweepResults, load_results
from peersim.sweep.runner import SerialExecutor, SweepReport, plan_chunks, run_sweep
from peersim.sweep.spec import ExperimentSpec, SpecError, load_spec, parse_spec

__all__ = [
    "DamagedResults",
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
