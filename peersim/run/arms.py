"""The two arms of a virtual study: PEER groups against people in service as usual.

The numbering of runs is what keeps the arms apart: PEER groups take runs 0, 1, ... and the
control arm's blocks take runs from ``CONTROL_RUNS`` on, so a control block never holds the people
of a PEER group (as in a trial, where each person is randomised to one arm).
"""

from __future__ import annotations

#: The PEER trial: 145 randomised to PEER, 151 to service as usual (Poulsen et al. 2025).
TRIAL_ARMS = (145, 151)
#: Control-arm runs are numbered from here, so they never share people with the PEER arm's runs.
CONTROL_RUNS = 2**40
