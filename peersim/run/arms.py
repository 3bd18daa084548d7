"""The two arms of a virtual study: PEER groups against people in service as usual.

The numbering of runs is what keeps the arms apart: PEER groups take runs 0, 1, ... and the
control arm's blocks take runs from ``CONTROL_RUNS`` on, so a control block never holds the people
of a PEER group (as in a trial, where each person is randomised to one arm).
"""

from __future__ import annotations

import numpy as np

#: Control-arm runs are numbered from here, so they never share people with the PEER arm's runs.
CONTROL_RUNS = 2**40

#: How the control arm's people relate to the PEER arm's. ``"other"``: other people (runs from
#: CONTROL_RUNS on), as randomisation gives: the trial, the calibration and the patterns.
#: ``"same"``: the very people of the PEER arm without the group (the same runs): a paired
#: contrast, as sweeps' control tables give it. Which of the two a study should use is the
#: study design's to say ("Studies as data").
CONTROL_PEOPLE = ("other", "same")


def groups_for(people: int, group_size: int) -> int:
    """Groups (or control blocks of the same size) needed for ``people`` participants: the last
    one may have spare places, which a trial leaves empty when the arm is full."""
    return -(-int(people) // int(group_size))


def first_run(control: bool, people: str = "other") -> int:
    """Where an arm's run numbers start: 0 for PEER groups, CONTROL_RUNS for a control arm of
    other people, 0 for a control arm of the same people."""
    if people not in CONTROL_PEOPLE:
        raise ValueError(f"control people = {people!r}; choose one of {', '.join(CONTROL_PEOPLE)}")
    return CONTROL_RUNS if control and people == "other" else 0


def study_runs(studies: np.ndarray, groups: int, control: bool = False, people: str = "other") -> np.ndarray:
    """The run of every group of every study, study by study: study k holds the ``groups`` runs
    first + k * groups .. first + k * groups + groups - 1, so study k meets the same people
    whatever else is simulated with it."""
    studies = np.asarray(studies, dtype=np.int64)
    return first_run(control, people) + (studies[:, None] * groups + np.arange(groups)[None, :]).ravel()


def study_and_group(runs: np.ndarray, groups: int, control: bool = False, people: str = "other"):
    """The inverse of :func:`study_runs`: (study, group position) of each run."""
    return np.divmod(np.asarray(runs) - first_run(control, people), groups)
