"""The batch engine: ``simulate(params, runs, seed)``.

Runs are processed in chunks; each chunk is a Kernel over a block of run indices. Because every
draw is keyed by (seed, run, ...), run k gives the same rows whatever the chunk size, and the
Mesa model (a chunk of one) gives them too.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .kernel import Kernel
from .params import Params
from .population import validate_population
from .results import Results, groups_table, participants_table, sessions_table

DEFAULT_CHUNK = 2000
RECORDS = ("summary", "sessions")


def simulate(
    params: Params | None = None,
    runs: int = 1000,
    seed: int = 0,
    population=None,
    record: str = "summary",
    chunk_size: int = DEFAULT_CHUNK,
    first_run: int = 0,
    progress: bool = False,
) -> Results:
    """Simulate ``runs`` courses of the scenario ``params`` with random seed ``seed``.

    ``population`` (DataFrame or list of dicts, one row per participant, any subset of the static
    attributes) makes every run start from the same people; its length is the group size.
    ``record="sessions"`` adds the per-week table. ``first_run`` offsets the run indices, so
    ``simulate(runs=10, first_run=5)`` gives runs 5..14 of the same seed.
    """
    params = _check(params, runs, seed, record, chunk_size, first_run)
    population = validate_population(population, params)
    if population is not None and len(population) != params.group_size:
        params = params.replace(group_size=len(population))
    parts, groups, sessions = [], [], []
    bar = tqdm(total=runs, unit="course", disable=not progress, leave=False)
    for kernel in _chunks(params, runs, seed, population, record, chunk_size, first_run):
        participants = participants_table(kernel)
        parts.append(participants)
        groups.append(groups_table(kernel, participants))
        if record == "sessions":
            sessions.append(sessions_table(kernel))
        bar.update(kernel.group.runs)
    bar.close()
    return Results(
        participants=pd.concat(parts, ignore_index=True),
        groups=pd.concat(groups, ignore_index=True),
        sessions=pd.concat(sessions, ignore_index=True) if sessions else None,
        params=params,
        seed=seed,
        runs=runs,
    )


def _chunks(params, runs, seed, population, record, chunk_size, first_run) -> Iterator[Kernel]:
    for start in range(first_run, first_run + runs, chunk_size):
        stop = min(start + chunk_size, first_run + runs)
        kernel = Kernel(
            params, seed, np.arange(start, stop), population, record_sessions=record == "sessions"
        )
        kernel.run()
        yield kernel


def _check(params, runs, seed, record, chunk_size, first_run) -> Params:
    if params is None:
        params = Params()
    if not isinstance(params, Params):
        raise ValueError(f"params must be a peersim.Params, not {type(params).__name__}")
    for name, value, low in (("runs", runs, 1), ("chunk_size", chunk_size, 1), ("first_run", first_run, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"{name} = {value!r} must be a whole number >= {low}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed = {seed!r} must be a whole number >= 0")
    if record not in RECORDS:
        raise ValueError(f"record = {record!r} is not valid; choose one of {', '.join(RECORDS)}")
    return params
