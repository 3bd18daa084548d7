"""Will it fit? Memory and disk estimated from a spec (or a run's size) before any work starts.

Estimates come from the spec alone, never from building its design, so a design of 10^9 points or
``replicates = 10**12`` is refused in a fraction of a second with one line: what it needs, what
this machine has, and the flag that goes ahead anyway (``--force``; ``force=True`` in Python).

The figures per course were measured (tracemalloc and Parquet sizes, 200 courses, groups of 8 and
24, summary and sessions records) and are rounded up: a participant row takes about 240 bytes in
memory and 170 on disk, a participant-week of the sessions table 110 and 45, a group row 120 and
110; a kernel chunk needs about 2,000 bytes per participant at its peak (350 more per
participant-week when it records sessions). A worker process starts at about 250 MB.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..params import Params
from .spec import ExperimentSpec, SpecError

MB = 1 << 20
PROCESS_BASE = 250 * MB  # python, numpy, pandas, pyarrow, scipy and peersim imported
PARTICIPANT_MEMORY, PARTICIPANT_DISK = 240, 170
SESSION_ROW_MEMORY, SESSION_ROW_DISK = 110, 45
GROUP_MEMORY, GROUP_DISK = 120, 110
KERNEL_PER_PARTICIPANT, KERNEL_PER_PARTICIPANT_WEEK = 2000, 350
DESIGN_PER_VALUE = 400  # a design point's value as a dict entry, a DataFrame cell and JSON
SAFETY = 1.5  # estimates are rounded up by half again


class LimitError(SpecError):
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


def _largest(spec: ExperimentSpec, name: str) -> int:
    """The largest value a whole-number parameter takes anywhere in the design."""
    values = [spec.fixed.get(name, Params.__dataclass_fields__[name].default)]
    values += list(spec.factors.get(name, []))
    if name in spec.ranges:
        values.append(spec.ranges[name][1])
    values += [p[name] for p in spec.points if name in p]
    return max(math.ceil(float(v)) for v in values)


def estimate_sweep(spec: ExperimentSpec, workers: int | None = None) -> Estimate:
    """What a sweep needs, from the spec alone (its design is not built)."""
    points = spec.n_points()
    courses = points * spec.replicates
    n = _largest(spec, "group_size")
    weeks = _largest(spec, "n_sessions") + _largest(spec, "follow_up_weeks") + 1
    per_course_disk = 0
    for table in spec.tables:
        per_course_disk += {
            "participants": PARTICIPANT_DISK * n,
            "groups": GROUP_DISK,
            "control": GROUP_DISK,
            "sessions": SESSION_ROW_DISK * n * weeks,
        }[table]
    chunk = min(spec.chunk_size, courses)
    per_course_memory = KERNEL_PER_PARTICIPANT * n + PARTICIPANT_MEMORY * n + 2 * GROUP_MEMORY
    if spec.record == "sessions":
        per_course_memory += (KERNEL_PER_PARTICIPANT_WEEK + SESSION_ROW_MEMORY) * n * weeks
    local = workers or 1
    varied = max(len(spec.factors) or len(spec.ranges) or max((len(p) for p in spec.points), default=0), 0)
    main = PROCESS_BASE + points * (varied + 1) * DESIGN_PER_VALUE
    in_workers = local * (PROCESS_BASE + chunk * per_course_memory) if workers else chunk * per_course_memory
    return Estimate(
        courses=courses,
        points=points,
        disk=int(courses * per_course_disk * SAFETY),
        memory=int((main + in_workers) * SAFETY),
        workers=local,
    )


def _existing_results(folder: Path) -> int:
    """Bytes of chunk files already in a results folder (a resumed sweep needs only the rest)."""
    total = 0
    if (folder / "spec.json").exists():
        for table in ("participants", "groups", "sessions", "control"):
            if (folder / table).is_dir():
                total += sum(p.stat().st_size for p in (folder / table).glob("*.parquet"))
    return total


def check_sweep(spec: ExperimentSpec, workers: int | None = None, force: bool = False) -> Estimate:
    """Refuse (one line) a sweep that will not fit in this machine's memory or disk."""
    estimate = estimate_sweep(spec, workers)
    if force:
        return estimate
    what = f"{spec.name}: {estimate.points:,} points x {spec.replicates:,} replicates"
    memory = available_memory()
    if memory is not None and estimate.memory > memory:
        hint = " or fewer --workers" if (workers or 1) > 1 else ""
        raise LimitError(
            f"{what} need about {size(estimate.memory)} of memory but {size(memory)} is available here;"
            f" use a smaller design or chunk_size{hint}, or --force to start anyway"
        )
    free, place = free_disk(spec.out_dir)
    needed = estimate.disk - _existing_results(spec.out_dir)
    if needed > free:
        raise LimitError(
            f"{what} need about {size(needed)} of disk ({', '.join(spec.tables)}) but {place} has"
            f" {size(free)} free; keep fewer tables, or use --force to start anyway"
        )
    return estimate


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
