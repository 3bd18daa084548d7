"""Will a sweep fit? Its memory and disk estimated from the spec alone, before any work starts.

Estimates never build the design, so a design of 10^9 points or ``replicates = 10**12`` is refused
in a fraction of a second with one line: what it needs, what this machine has, and the flag that
goes ahead anyway (``--force``; ``force=True`` in Python). The figures per row are those of
:mod:`peersim.run.limits`.
"""

from __future__ import annotations

import math
from pathlib import Path

from peersim.core.params import Params
from peersim.run import limits as _limits
from peersim.run.limits import (
    DESIGN_PER_VALUE,
    GROUP_DISK,
    GROUP_MEMORY,
    KERNEL_PER_PARTICIPANT,
    KERNEL_PER_PARTICIPANT_WEEK,
    PARTICIPANT_DISK,
    PARTICIPANT_MEMORY,
    PROCESS_BASE,
    SAFETY,
    SESSION_ROW_DISK,
    SESSION_ROW_MEMORY,
    Estimate,
    LimitWarning,
    available_memory,
    cap_workers,
    check_run,
    cores,
    estimate_run,
    free_disk,
    run_block,
    size,
)
from peersim.sweep.spec import ExperimentSpec, SpecError

__all__ = [
    "Estimate",
    "LimitError",
    "LimitWarning",
    "available_memory",
    "cap_workers",
    "check_run",
    "check_sweep",
    "cores",
    "estimate_run",
    "estimate_sweep",
    "free_disk",
    "run_block",
    "size",
]


class LimitError(_limits.LimitError, SpecError):
    """A sweep that will not fit on this machine (one line: estimate, machine, flag)."""


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
