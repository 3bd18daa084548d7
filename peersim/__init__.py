"""peersim: agent-based simulation of peer-support groups (the PEER course) on Mesa.

import peersim
res = peersim.simulate(peersim.Params(), runs=10_000, seed=7)
res.participants.head()
"""

from peersim.core.params import MECHANISMS, Params
from peersim.core.plan import PEER_PLAN, THEMES, Session
from peersim.core.tables import Results
from peersim.core.theories import THEORIES
from peersim.core.version import __version__
from peersim.run.engine import SetResults, simulate, simulate_sets

__all__ = [
    "MECHANISMS",
    "PEER_PLAN",
    "THEMES",
    "THEORIES",
    "Params",
    "PeerGroupModel",
    "Results",
    "Session",
    "SetResults",
    "__version__",
    "discover_sweep",
    "load_results",
    "load_spec",
    "posterior",
    "run_scenario",
    "run_sweep",
    "simulate",
    "simulate_sets",
    "trial",
]


def __getattr__(name: str):
    # The Mesa front end is imported on first use, so the batch engine does not pay for Mesa.
    if name in ("PeerGroupModel", "Participant", "Facilitator"):
        from peersim.mesa import model

        return getattr(model, name)
    if name == "trial":
        from peersim.studies.trial import trial

        return trial
    if name == "posterior":
        from peersim.data.posterior import posterior

        return posterior
    if name == "run_scenario":
        from peersim.report.scenario import run_scenario

        return run_scenario
    if name == "discover_sweep":
        from peersim.sweep.discovery import discover_sweep

        return discover_sweep
    if name in ("load_results", "load_spec", "run_sweep"):
        from peersim import sweep

        return getattr(sweep, name)
    raise AttributeError(f"module 'peersim' has no attribute {name!r}")
