"""Parameter uncertainty per run: which posterior draw each run (or each trial) takes.

One assignment for every front end: ``simulate(uncertainty="posterior")``, sweeps with posterior
draws and the virtual trial all choose a draw by weight from (seed, key) alone, through a
counter-based stream, so the same key always gets the same draw whatever the chunking.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peersim.core.params import Params
from peersim.core.rng import Streams
from peersim.data.posterior import posterior as shipped_posterior

#: the ways a run can carry parameter uncertainty: none (every run at the given values), or a
#: draw of the posterior per run. One spelling for the engine, the trial, specs and the CLI.
UNCERTAINTY = ("none", "posterior")


def uncertainty_mode(value: str | None) -> str:
    """``value`` checked and spelled as in ``UNCERTAINTY`` (``None``, the Python default, is
    ``"none"``)."""
    value = "none" if value is None else value
    if value not in UNCERTAINTY:
        raise ValueError(f"uncertainty = {value!r} is not valid; choose one of {', '.join(UNCERTAINTY)}")
    return value


def pick_draws(
    weights: np.ndarray, seed: int, keys: np.ndarray, stream: str = "posterior.draw"
) -> np.ndarray:
    """For each key (a run, or a trial), a posterior draw chosen by weight from (seed, key) alone,
    through its own counter-based stream: the same key always gets the same draw."""
    cumulative = np.cumsum(weights)
    u = Streams(seed, np.asarray(keys)).group(stream, 0)
    return np.minimum(np.searchsorted(cumulative, u * cumulative[-1], side="right"), len(weights) - 1)


def posterior_draws(params: Params, posterior: pd.DataFrame | None) -> tuple[pd.DataFrame, np.ndarray]:
    """The posterior's parameter columns (without those the user set away from their defaults)
    and its normalised weights. The shipped posterior (``posterior=None``) is the seed theory's:
    it is refused for a rival theory."""
    if posterior is None:
        if params.theory != "seed":
            # the shipped posterior was calibrated under the seed's theory: under a rival its
            # numbers mean other things, and the rival's own parameters would stay at defaults
            raise ValueError(
                f"theory = {params.theory!r}: the shipped posterior was calibrated under theory 'seed';"
                " pass a posterior for this theory (e.g. its draws from experiments/theories.py)"
            )
        posterior = shipped_posterior()
    if not isinstance(posterior, pd.DataFrame) or len(posterior) == 0:
        raise ValueError("posterior must be a non-empty DataFrame (one row per draw)")
    posterior = posterior.reset_index(drop=True)
    weights = posterior["weight"].to_numpy(float) if "weight" in posterior else np.ones(len(posterior))
    if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
        raise ValueError("posterior: weights must be finite, non-negative and not all zero")
    default = Params()
    own = [
        c
        for c in posterior.columns
        if c != "weight" and getattr(params, c, None) != getattr(default, c, None)
    ]
    return posterior.drop(columns=["weight", *own], errors="ignore"), weights / weights.sum()
