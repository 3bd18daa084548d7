"""Running a sweep: the design becomes deterministic chunks of courses, sent to any Executor.

The sweep's courses are the design points times the replicates, in order (point 0's runs, then
point 1's, ...). A chunk is a slice of ``chunk_size`` courses, however many points it spans, so a
20,000-point design with one replicate each is 40 chunks of 500 courses, not 20,000 tiny ones; the
kernel runs the points of a chunk together (parameters per run, :mod:`peersim.core.perrun`). A chunk's
tables depend only on the spec and its slice, so the results are the same row for row whatever
the executor (in-process, a local process pool, a Dask cluster), the number of workers, the order
chunks finish in, or how many times the sweep was interrupted and resumed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
import pandas as pd

from peersim.core.params import Params
from peersim.core.population import validate_population
from peersim.core.sets import ParamSets
from peersim.run.arms import first_run
from peersim.run.engine import simulate_courses
from peersim.run.lifeline import exit_with_parent
from peersim.run.progress import progress_bar
from peersim.sweep.budget import cap_workers, check_sweep
from peersim.sweep.spec import ExperimentSpec, SpecError, people_warning, runs_of
from peersim.sweep.store import Store


class SharedPeopleWarning(UserWarning):
    """A sweep whose design points all meet the same few groups of people (``people_warning``)."""


@dataclass(frozen=True)
class Chunk:
    """Courses ``start`` to ``stop - 1`` of the sweep (course c is of point c // replicates; its
    run is c % replicates when points share people, c itself when each draws its own)."""

    id: str
    start: int
    stop: int

    @property
    def runs(self) -> int:
        return self.stop - self.start

    def points(self, replicates: int) -> range:
        return range(self.start // replicates, (self.stop - 1) // replicates + 1)


def plan_chunks(spec: ExperimentSpec, n_points: int) -> Iterator[Chunk]:
    """The sweep's chunks, in order (a generator: a huge sweep is never listed in memory)."""
    total = n_points * spec.replicates
    for index, start in enumerate(range(0, total, spec.chunk_size)):
        yield Chunk(f"c{index:07d}", start, min(start + spec.chunk_size, total))


def run_chunk(
    fixed: dict,
    points: list[dict],
    seed: int,
    replicates: int,
    chunk: Chunk,
    record: str,
    tables: tuple[str, ...],
    folder: str | None = None,
    uncertainty: str = "none",
    population: list[dict] | None = None,
    people: str = "shared",
) -> dict:
    """Simulate one chunk (in a worker): its tables, each with the design point as first column.

    ``points`` are the design rows the chunk spans (``point`` and the varied parameters);
    ``people``, the spec's (``"shared"``: run k of every point is run k; ``"own"``: course c is run
    c, so no two points meet the same people, posterior draws included). With
    ``folder`` (local workers, which share the disk) the worker writes the chunk's files itself
    and returns only their row counts, so tables are never pickled back to the main process.
    """
    design = pd.DataFrame(points).set_index("point")
    first_point = int(design.index[0])
    courses = np.arange(chunk.start, chunk.stop)
    positions = courses // replicates - first_point
    runs = runs_of(courses, replicates, people)
    base = Params(**fixed)
    population = validate_population(population, base)  # the spec's people (rows), or None
    draws = None
    if uncertainty == "posterior":  # one set per course: its point's values and its run's draw
        design, draws = _with_posterior(design, positions, runs, seed, base, fixed)
        positions = np.arange(len(courses))
    sets = ParamSets(design, base, what="design point")
    res = simulate_courses(sets, positions, runs, seed, population, record=record)
    out = {}
    for name in tables:
        if name == "control":  # a paired contrast: the same people (same runs, same draws), no group
            control = ParamSets(design, base.replace(control_arm=True), what="design point")
            same = runs + first_run(control=True, people="same")
            table = simulate_courses(control, positions, same, seed, population)["groups"]
        else:
            table = res[name]
        table = table.rename(columns={"set": "point"})
        if draws is not None:  # rows are in course order: put back the point, add the draw
            course = table["point"].to_numpy()
            table["point"] = draws["point"].to_numpy()[course]
            table.insert(2, "draw", draws["draw"].to_numpy()[course])
        else:
            table["point"] += first_point
        out[name] = table
    if folder is not None:
        return {"rows": Store(folder).write_chunk_files(chunk.id, out)}
    return out


def _with_posterior(design, positions, runs, seed, base, fixed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One parameter set per course: its design point's row, and the posterior draw of its run
    (chosen from (seed, run) as in ``simulate(uncertainty="posterior")``) for every parameter the
    spec neither fixes nor varies."""
    from peersim.run.draws import pick_draws, posterior_draws

    draws, weights = posterior_draws(base, None)
    draws = draws.drop(columns=[c for c in draws.columns if c in design.columns or c in fixed])
    chosen = pick_draws(weights, seed, runs)
    per_course = pd.concat(
        [
            design.iloc[positions].reset_index(drop=True),
            draws.iloc[chosen].reset_index(drop=True),
        ],
        axis=1,
    )
    labels = pd.DataFrame({"point": design.index.to_numpy()[positions], "draw": chosen})
    return per_course, labels


class SerialExecutor(Executor):
    """Runs each task at once, in this process (``--workers 1``; also handy in tests)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future
            future.set_exception(error)
        return future


def _worker_init(parent: int | None = None) -> None:
    """In each local worker: ignore Ctrl-C (the main process handles it, saving what is done) and
    exit when the main process dies, however it dies (no orphans computing for no one)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent(parent)


def make_executor(workers: int | None, scheduler: str | None) -> tuple[Executor, Callable[[], None], str]:
    """The executor for a sweep, a function that closes it, and a description for provenance."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise SpecError("--scheduler needs Dask: pip install 'peersim[dist]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as error:
            raise SpecError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        return client.get_executor(), client.close, f"dask scheduler {scheduler}"
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        executor = SerialExecutor()
        return executor, executor.shutdown, "serial"
    # spawn, not fork: forking a process that already runs threads is unsafe (and warns); workers
    # ignore Ctrl-C, which the main process handles (saving what is done), so no worker tracebacks
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )
    return pool, lambda: pool.shutdown(cancel_futures=True), f"process pool, {workers} workers"


@dataclass
class SweepReport:
    folder: str
    chunks_total: int
    chunks_run: int
    chunks_skipped: int
    runs: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.runs / self.seconds if self.seconds > 0 else float("nan")


def run_sweep(
    spec: ExperimentSpec,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: Executor | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    force: bool = False,
) -> SweepReport:
    """Run (or finish) a sweep; results go to ``spec.out_dir`` (see :mod:`.store`).

    Before any work, the sweep's memory and disk needs are estimated from the spec and a sweep
    that cannot fit is refused, and local workers are capped at the cores here (``force=True``
    goes ahead anyway). The folder is locked while the sweep runs: one writer at a time. A sweep
    that fails records why in its provenance."""
    if executor is None and not scheduler:
        workers = cap_workers(workers, force)
    check_sweep(spec, workers=workers if executor is None and not scheduler else None, force=force)
    if warning := people_warning(spec):  # before any work: the user may stop and change the spec
        warnings.warn(warning, SharedPeopleWarning, stacklevel=2)
    store = Store(spec.out_dir)
    store.claim()
    try:
        return _run_sweep(spec, workers, scheduler, executor, resume, overwrite, progress, store)
    except BaseException as error:
        if not isinstance(error, KeyboardInterrupt):
            store.record_failure(f"{type(error).__name__}: {error}")
        raise
    finally:
        store.release()


def _run_sweep(
    spec: ExperimentSpec,
    workers: int | None,
    scheduler: str | None,
    executor: Executor | None,
    resume: bool,
    overwrite: bool,
    progress: bool,
    store: Store,
) -> SweepReport:
    design = spec.design()
    spec.param_sets(design)  # every point valid before any work starts
    n_chunks = -(-len(design) * spec.replicates // spec.chunk_size)
    done = store.prepare(spec, resume=resume, overwrite=overwrite, total=n_chunks)
    todo = (c for c in plan_chunks(spec, len(design)) if c.id not in done)
    close: Callable[[], None] = lambda: None  # noqa: E731
    description = "given executor"
    # our own local workers write their chunks' files themselves; a given executor or a Dask
    # cluster may not share this disk, so they send tables back and this process writes them
    write_in_workers = executor is None and not scheduler
    if executor is None:
        executor, close, description = make_executor(workers, scheduler)
    store.write_header(spec, design, {"executor": description, "chunks_total": n_chunks})
    records = design.to_dict("records")
    workers_hint = workers or os.cpu_count() or 1
    max_in_flight = 2 * workers_hint  # bounded: results are written as they come, never piled up
    start = time.perf_counter()
    total = len(design) * spec.replicates
    done_runs = sum(c.runs for c in plan_chunks(spec, len(design)) if c.id in done)
    bar = progress_bar(total, desc=spec.name, initial=done_runs, enabled=progress)
    pending: dict[Future, Chunk] = {}
    queue = todo
    finished = len(done)
    ran, ran_runs = 0, 0
    status = "failed"
    try:
        while True:
            while len(pending) < max_in_flight:
                chunk = next(queue, None)
                if chunk is None:
                    break
                folder = str(store.folder) if write_in_workers else None
                span = chunk.points(spec.replicates)
                future = executor.submit(
                    run_chunk,
                    spec.fixed,
                    records[span.start : span.stop],
                    spec.seed,
                    spec.replicates,
                    chunk,
                    spec.record,
                    spec.tables,
                    folder,
                    spec.uncertainty,
                    list(spec.population_rows) or None,
                    spec.people,
                )
                pending[future] = chunk
            if not pending:
                break
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                chunk = pending.pop(future)
                result = future.result()
                meta = {"start": chunk.start, "stop": chunk.stop}
                if write_in_workers:
                    store.record_chunk(chunk.id, result["rows"], meta)
                else:
                    store.save_chunk(chunk.id, result, meta)
                finished += 1
                ran, ran_runs = ran + 1, ran_runs + chunk.runs
                bar.update(chunk.runs)
        status = "complete"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BrokenProcessPool:
        raise SpecError(
            f"a worker process died; {finished} of {n_chunks} chunks are saved in {spec.out_dir};"
            " run again with --resume to finish"
        ) from None
    finally:
        for future in pending:
            future.cancel()
        bar.close()
        close()
        store.finish(status, finished, n_chunks)
    return SweepReport(str(spec.out_dir), n_chunks, ran, len(done), ran_runs, time.perf_counter() - start)
