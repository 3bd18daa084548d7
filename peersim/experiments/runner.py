"""Running a sweep: the design becomes deterministic chunks of runs, sent to any Executor.

A chunk is (design point, first run, number of runs). Its tables depend only on the spec and those
three numbers, so the results are the same row for row whatever the executor (in-process, a local
process pool, a Dask cluster), the number of workers, the order chunks finish in, or how many
times the sweep was interrupted and resumed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from tqdm.auto import tqdm

from ..engine import simulate
from ..params import Params
from .spec import ExperimentSpec, SpecError
from .store import Store


@dataclass(frozen=True)
class Chunk:
    id: str
    point: int
    first_run: int
    runs: int


def plan_chunks(spec: ExperimentSpec, n_points: int) -> list[Chunk]:
    chunks = []
    for point in range(n_points):
        for start in range(0, spec.replicates, spec.chunk_size):
            runs = min(spec.chunk_size, spec.replicates - start)
            chunks.append(Chunk(f"p{point:05d}-r{start:08d}", point, start, runs))
    return chunks


def run_chunk(
    params: dict, seed: int, chunk: Chunk, record: str, tables: tuple[str, ...], folder: str | None = None
) -> dict:
    """Simulate one chunk (in a worker): its tables, each with the design point as first column.

    With ``folder`` (local workers, which share the disk) the worker writes the chunk's files
    itself and returns only their row counts, so tables are never pickled back to the main process.
    """
    res = simulate(
        Params.from_dict(params),
        runs=chunk.runs,
        seed=seed,
        record=record,
        first_run=chunk.first_run,
        chunk_size=chunk.runs,
    )
    out = {}
    for name in tables:
        if name == "control":  # the same runs (same people, same draws) with no group
            control = Params.from_dict({**params, "control_arm": True})
            table = simulate(
                control, runs=chunk.runs, seed=seed, first_run=chunk.first_run, chunk_size=chunk.runs
            ).groups
        else:
            table = getattr(res, name)
        table.insert(0, "point", chunk.point)
        out[name] = table
    if folder is not None:
        return {"rows": Store(folder).write_chunk_files(chunk.id, out)}
    return out


class SerialExecutor(Executor):
    """Runs each task at once, in this process (``--workers 1``; also handy in tests)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future
            future.set_exception(error)
        return future


def _ignore_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupt
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
) -> SweepReport:
    """Run (or finish) a sweep; results go to ``spec.out_dir`` (see :mod:`.store`)."""
    design = spec.design()
    params = spec.point_params()
    chunks = plan_chunks(spec, len(params))
    store = Store(spec.out_dir)
    done = store.prepare(spec, resume=resume, overwrite=overwrite, total=len(chunks))
    todo = [c for c in chunks if c.id not in done]
    close: Callable[[], None] = lambda: None  # noqa: E731
    description = "given executor"
    # our own local workers write their chunks' files themselves; a given executor or a Dask
    # cluster may not share this disk, so they send tables back and this process writes them
    write_in_workers = executor is None and not scheduler
    if executor is None:
        executor, close, description = make_executor(workers, scheduler)
    store.write_header(spec, design, params, {"executor": description, "chunks_total": len(chunks)})
    param_dicts = [p.to_dict() for p in params]
    workers_hint = workers or os.cpu_count() or 1
    max_in_flight = 2 * workers_hint  # bounded: results are written as they come, never piled up
    start = time.perf_counter()
    done_runs = sum(c.runs for c in chunks if c.id in done)
    bar = tqdm(
        total=sum(c.runs for c in chunks),
        initial=done_runs,
        unit="course",
        disable=not progress,
        desc=spec.name,
        smoothing=0.1,
    )
    pending: dict[Future, Chunk] = {}
    queue = iter(todo)
    finished = len(done)
    status = "failed"
    try:
        while True:
            while len(pending) < max_in_flight:
                chunk = next(queue, None)
                if chunk is None:
                    break
                folder = str(store.folder) if write_in_workers else None
                future = executor.submit(
                    run_chunk, param_dicts[chunk.point], spec.seed, chunk, spec.record, spec.tables, folder
                )
                pending[future] = chunk
            if not pending:
                break
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                chunk = pending.pop(future)
                result = future.result()
                meta = {"point": chunk.point, "first_run": chunk.first_run, "runs": chunk.runs}
                if write_in_workers:
                    store.record_chunk(chunk.id, result["rows"], meta)
                else:
                    store.save_chunk(chunk.id, result, meta)
                finished += 1
                bar.update(chunk.runs)
        status = "complete"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BrokenProcessPool:
        raise SpecError(
            f"a worker process died; {finished} of {len(chunks)} chunks are saved in {spec.out_dir};"
            " run again with --resume to finish"
        ) from None
    finally:
        for future in pending:
            future.cancel()
        bar.close()
        close()
        store.finish(status, finished, len(chunks))
    return SweepReport(
        str(spec.out_dir),
        len(chunks),
        len(todo),
        len(done),
        sum(c.runs for c in todo),
        time.perf_counter() - start,
    )
