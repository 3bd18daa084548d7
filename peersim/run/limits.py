"""Will it fit? Memory and disk estimated before any work starts (runs here; sweeps in
:mod:`peersim.sweep.budget`, from the spec alone).

A run, sweep or analysis that cannot fit is refused with one line: what it needs, what this
machine has, and the flag that goes ahead anyway (``--force``; ``force=True`` in Python).

The figures per course were measured (tracemalloc and Parquet sizes, 200 courses, groups of 8 and
24, summary and sessions records) and are rounded up: a participant row takes about 240 bytes in
memory and 170 on disk, a participant-week of the sessions table 110 and 45, a group row 120 and
110; a kernel chunk needs about 2,000 bytes per participant at its peak (350 more per
participant-week when it records sessions). A worker process starts at about 250 MB.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

from peersim.core.params import Params

MB = 1 << 20
PROCESS_BASE = 250 * MB  # python, numpy, pandas, pyarrow, scipy and peersim imported
PARTICIPANT_MEMORY, PARTICIPANT_DISK = 240, 170
SESSION_ROW_MEMORY, SESSION_ROW_DISK = 110, 45
GROUP_MEMORY, GROUP_DISK = 120, 110
KERNEL_PER_PARTICIPANT, KERNEL_PER_PARTICIPANT_WEEK = 2000, 350
DESIGN_PER_VALUE = 400  # a design point's value as a dict entry, a DataFrame cell and JSON
SAFETY = 1.5  # estimates are rounded up by half again


class LimitError(ValueError):
    """A run or sweep that will not fit on this machine (one line: estimate, machine, flag)."""


class LimitWarning(UserWarning):
    """A setting lowered to fit this machine (e.g. more workers than cores)."""


@dataclass(frozen=True)
class Estimate:
    courses: int
    points: int
    disk: int  # bytes the results take on disk
    memory: int  # bytes at the peak, all processes together
    workers: int


def cores() -> int:
    """The cores this process may use (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def available_memory() -> int | None:
    """Memory available to new work here (MemAvailable, within a cgroup's limit), or None."""
    figures = []
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    figures.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        with contextlib.suppress(ValueError, OSError, AttributeError):
            figures.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if limit != "max":
            figures.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    return min(figures) if figures else None


def free_disk(folder: Path) -> tuple[int, Path]:
    """Free bytes where ``folder`` is (or would be created), and that existing place."""
    place = Path(folder).absolute()
    while not place.exists() and place != place.parent:
        place = place.parent
    return shutil.disk_usage(place).free, place


def size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB", "EB"):
        if n < 1024 or unit == "EB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:.3g} EB"  # pragma: no cover


def cap_workers(workers: int | None, force: bool = False) -> int:
    """Local worker processes: all cores by default; more than the cores here only with force."""
    here = cores()
    if workers is None:
        return here
    if workers > here and not force:
        warnings.warn(
            f"--workers {workers} is more than the {here} cores this process may use; using {here}"
            " (--force uses them all the same)",
            LimitWarning,
            stacklevel=3,
        )
        return here
    return workers


BLOCK_MEMORY = 256 * MB  # what one block of ``peersim run`` may hold (tables of both arms)


def _run_bytes(params: Params, record: str, control: bool) -> tuple[int, int, int]:
    """Per run of ``peersim run``: bytes in memory (tables of both arms, and a copy while they are
    put together), bytes on disk, and the kernel's working bytes."""
    n, weeks = params.group_size, params.n_sessions + params.follow_up_weeks + 1
    memory = PARTICIPANT_MEMORY * n + GROUP_MEMORY
    disk = PARTICIPANT_DISK * n + GROUP_DISK
    kernel = KERNEL_PER_PARTICIPANT * n
    if record == "sessions":
        memory += SESSION_ROW_MEMORY * n * weeks
        disk += SESSION_ROW_DISK * n * weeks
        kernel += KERNEL_PER_PARTICIPANT_WEEK * n * weeks
    return 2 * memory * (2 if control else 1), disk, kernel


def run_block(params: Params, record: str = "summary", control: bool = True, runs: int | None = None) -> int:
    """How many runs ``peersim run`` simulates and keeps in memory at a time."""
    memory, _, _ = _run_bytes(params, record, control)
    block = int(min(max(BLOCK_MEMORY // memory, 200), 50_000))
    return block if runs is None else max(1, min(block, runs))


def estimate_run(
    params: Params,
    runs: int,
    record: str = "summary",
    control: bool = True,
    chunk_size: int = 2000,
    streamed: bool = True,
) -> Estimate:
    """What ``peersim run`` needs: one block of runs in memory (it streams), and its tables on
    disk with --out. ``streamed=False``: every run's tables in memory at once (the analyses that
    take one whole simulation: icamo, knockout, trial)."""
    memory, disk, kernel = _run_bytes(params, record, control)
    block = run_block(params, record, control, runs) if streamed else runs
    peak = PROCESS_BASE + block * memory + min(chunk_size, block) * kernel
    return Estimate(
        courses=runs * (2 if control else 1),
        points=1,
        disk=int(runs * disk * SAFETY),
        memory=int(peak * SAFETY),
        workers=1,
    )


def check_run(
    params: Params,
    runs: int,
    record: str = "summary",
    control: bool = True,
    out: Path | None = None,
    chunk_size: int = 2000,
    force: bool = False,
    streamed: bool = True,
) -> Estimate:
    """Refuse (one line) a run that will not fit in this machine's memory or (with ``out``) disk."""
    estimate = estimate_run(params, runs, record, control, chunk_size, streamed)
    if force:
        return estimate
    memory = available_memory()
    if memory is not None and estimate.memory > memory:
        advice = (
            "use fewer runs, or --force to start anyway"
            if streamed
            else "use fewer runs (or a sweep, which writes its results as it goes)"
        )
        raise LimitError(
            f"{runs:,} runs need about {size(estimate.memory)} of memory but {size(memory)} is"
            f" available here; {advice}"
        )
    if out is not None:
        free, place = free_disk(out)
        if estimate.disk > free:
            raise LimitError(
                f"{runs:,} runs need about {size(estimate.disk)} of disk but {place} has {size(free)}"
                " free; use fewer runs, or --force to start anyway"
            )
    return estimate
