"""The batch engine: ``simulate(params, runs, seed)`` for one scenario, ``simulate_sets(sets,
replicates, seed)`` for a table of them.

Runs are processed in chunks; each chunk is a Kernel over a block of run indices. Because every
draw is keyed by (seed, run, ...), run k gives the same rows whatever the chunk size, and the
Mesa model (a chunk of one) gives them too. A chunk of ``simulate_sets`` holds runs of many
parameter sets at once (parameters per run, :mod:`peersim.core.perrun`), so a design of 20,000 sets
with one replicate each runs at the engine's speed, not one kernel per set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from peersim.core.kernel import Kernel
from peersim.core.params import Params, show
from peersim.core.population import sized_for, validate_population
from peersim.core.rng import MAX_SEED, valid_seed
from peersim.core.sets import ParamSets
from peersim.core.tables import SORT_KEYS, Results, groups_table, participants_table, sessions_table
from peersim.run.draws import pick_draws, posterior_draws, uncertainty_mode
from peersim.run.progress import progress_bar

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
    uncertainty: str = "none",
    posterior: pd.DataFrame | None = None,
) -> Results:
    """Simulate ``runs`` courses of the scenario ``params`` with random seed ``seed``.

    ``population`` (DataFrame or list of dicts, one row per participant, any subset of the static
    attributes) makes every run start from the same people; its length is the group size.
    ``record="sessions"`` adds the per-week table. ``first_run`` offsets the run indices, so
    ``simulate(runs=10, first_run=5)`` gives runs 5..14 of the same seed.

    ``uncertainty="posterior"`` carries parameter uncertainty into the runs: run k takes a draw
    of the calibrated posterior (``peersim.posterior()``, or the ``posterior`` given), chosen by
    weight from (seed, k) alone, and the tables gain a ``draw`` column (its row in the posterior).
    Parameters you set yourself (away from their defaults) keep your value; the others come from
    the draw. ``peersim.stats.uncertainty`` separates the two parts of an output's uncertainty.
    """
    params = _check(params, runs, seed, record, chunk_size, first_run)
    population = validate_population(population, params)
    params = sized_for(params, population)
    if uncertainty_mode(uncertainty) == "posterior":
        draws, weights = posterior_draws(params, posterior)
        table = ParamSets(draws, params, what="posterior draw")

        def choose_draws(run_indices: np.ndarray) -> np.ndarray:
            return pick_draws(weights, seed, run_indices)

        tables = run_chunks(
            table, runs, seed, population, record, chunk_size, first_run, progress, True, choose_draws
        )
        for name, frame in tables.items():
            frame = frame.rename(columns={"set": "draw"})
            frame.insert(0, "run", frame.pop("run"))
            tables[name] = frame.sort_values(SORT_KEYS[name], kind="stable", ignore_index=True)
    else:
        one = ParamSets(pd.DataFrame(index=[0]), params)
        tables = run_chunks(one, runs, seed, population, record, chunk_size, first_run, progress, label=False)
    return Results(
        participants=tables["participants"],
        groups=tables["groups"],
        sessions=tables.get("sessions"),
        params=params,
        seed=seed,
        runs=runs,
    )


def run_chunks(
    table, replicates, seed, population, record, chunk_size, first_run, progress, label, choose_sets=None
):
    """Every set's runs first_run.. first_run + replicates - 1, chunk_size courses at a time; with
    ``choose_sets`` (run indices -> set positions), ``replicates`` runs in all, each of the set
    that function chooses for it."""
    names = ("participants", "groups") + (("sessions",) if record == "sessions" else ())
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in names}
    total = replicates if choose_sets else len(table) * replicates
    bar = progress_bar(total, enabled=progress)
    for start in range(0, total, chunk_size):
        courses = np.arange(start, min(start + chunk_size, total))
        positions, runs = courses // replicates, first_run + courses % replicates
        if choose_sets is not None:
            positions = choose_sets(runs)
        out = simulate_courses(table, positions, runs, seed, population, record, label=label)
        for name in names:
            parts[name].append(out[name])
        bar.update(len(courses))
    bar.close()
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def _check(params, runs, seed, record, chunk_size, first_run) -> Params:
    if params is None:
        params = Params()
    if not isinstance(params, Params):
        raise ValueError(f"params must be a peersim.Params, not {type(params).__name__}")
    top = MAX_SEED  # run indices and seeds past this would wrap around in the random streams
    for name, value, low in (("runs", runs, 1), ("chunk_size", chunk_size, 1), ("first_run", first_run, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= top:
            raise ValueError(f"{name} = {show(value)} must be a whole number, {low} to 2**63 - 1")
    if first_run + runs - 1 > top:
        raise ValueError(f"first_run + runs = {show(first_run + runs)} goes past run 2**63 - 1")
    if not valid_seed(seed):
        raise ValueError(f"seed = {show(seed)} must be a whole number, 0 to 2**63 - 1")
    if record not in RECORDS:
        raise ValueError(f"record = {record!r} is not valid; choose one of {', '.join(RECORDS)}")
    return params


@dataclass
class SetResults:
    """What ``simulate_sets`` returns: the tables with a ``set`` column first (the label of the
    set's row in the table given), and what produced them."""

    participants: pd.DataFrame
    groups: pd.DataFrame
    sessions: pd.DataFrame | None
    sets: pd.DataFrame  # the validated sets, one row per set, index as given
    base: Params
    seed: int
    replicates: int

    def __repr__(self) -> str:
        return (
            f"SetResults({len(self.sets):,} parameter sets x {self.replicates:,} replicates, seed"
            f" {self.seed}; varied: {', '.join(self.sets.columns) or 'nothing'}; participants"
            f" {len(self.participants):,} rows, groups {len(self.groups):,} rows)"
        )


def simulate_sets(
    sets: pd.DataFrame | Sequence[Mapping],
    replicates: int = 100,
    seed: int = 0,
    base: Params | None = None,
    population=None,
    record: str = "summary",
    chunk_size: int = DEFAULT_CHUNK,
    first_run: int = 0,
    progress: bool = False,
) -> SetResults:
    """Simulate ``replicates`` courses of every parameter set in ``sets`` (a DataFrame, one row per
    set, columns named after parameters; or a list of dicts). Parameters not in ``sets`` (or NaN
    in a row) take their value from ``base`` (default ``Params()``).

    Run k of every set is run k of ``simulate(set_params, seed=seed)``, bit for bit: the same
    people with the same draws (common random numbers), however the sets are batched. Sets are
    simulated together, ``chunk_size`` courses at a time, split only where a parameter changes
    array shapes (``peersim.core.sets.STRUCTURAL``). The tables are ``simulate``'s with a first column
    ``set`` holding the row's index label, sorted by set (in the table's order) and run.
    """
    base = _check(base, replicates, seed, record, chunk_size, first_run)
    population = validate_population(population, base)
    base = sized_for(base, population)
    table = ParamSets(sets, base)
    if population is not None and "group_size" in table.varied:
        raise ValueError("a population fixes the group size: do not vary group_size with it")
    tables = run_chunks(
        table, replicates, seed, population, record, chunk_size, first_run, progress, label=True
    )
    labels = table.index.to_numpy()
    for frame in tables.values():
        frame["set"] = labels[frame["set"].to_numpy()]
    return SetResults(
        participants=tables["participants"],
        groups=tables["groups"],
        sessions=tables.get("sessions"),
        sets=table.frame(),
        base=table.base,
        seed=seed,
        replicates=replicates,
    )


def simulate_courses(
    table: ParamSets,
    positions: np.ndarray,
    runs: np.ndarray,
    seed: int,
    population=None,
    record: str = "summary",
    label: bool = True,
    columns=None,
    groups: bool = True,
) -> dict[str, pd.DataFrame]:
    """One chunk of courses: course i is run ``runs[i]`` of the set at ``positions[i]``. Returns
    the tables (participants, groups, and sessions with ``record="sessions"``), sorted by set and
    run, each with a first column ``set`` (the set's position) if ``label``. ``columns``: of the
    participants table only these (peersim.core.tables.participants_table); ``groups=False``: no
    groups table (a virtual study reads neither the rest nor that)."""
    positions, runs = np.asarray(positions), np.asarray(runs)
    if columns is not None and groups:
        raise ValueError("simulate_courses: the groups table needs every participants column")
    parts: dict[str, list[pd.DataFrame]] = {"participants": [], "groups": [], "sessions": []}
    batches = table.batches(positions)
    for idx, params in batches:
        kernel = Kernel(params, seed, runs[idx], population, record_sessions=record == "sessions")
        kernel.run()
        participants = participants_table(kernel, columns)
        tables = {"participants": participants}
        if groups:
            tables["groups"] = groups_table(kernel, participants)
        if record == "sessions":
            tables["sessions"] = sessions_table(kernel)
        for name, frame in tables.items():
            if label or len(batches) > 1:  # several batches are put back in order by set
                frame.insert(0, "set", np.repeat(positions[idx], len(frame) // len(idx)))
            parts[name].append(frame)
    out = {}
    for name, frames in parts.items():
        if len(frames) == 1:
            out[name] = frames[0]
        elif frames:  # batches interleave when structural parameters alternate between sets
            frame = pd.concat(frames, ignore_index=True)
            frame = frame.sort_values(["set", *SORT_KEYS[name]], kind="stable", ignore_index=True)
            out[name] = frame if label else frame.drop(columns="set")
    return out
