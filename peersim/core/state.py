"""The dynamic state of R groups, and the context a session runs in.

Arrays carry a leading run axis: (R, N) per participant, (R, N, M) for ties from each participant
to every member (N participants then F facilitators), (R, M) for who shared. Mechanisms read a
State and a Context and return an :class:`Update`; only the kernel writes to the State.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from peersim.core.params import Params
from peersim.core.plan import Session
from peersim.core.population import REAL as REAL  # model float dtype, re-exported for the mechanisms
from peersim.core.population import Group
from peersim.core.rng import Streams

#: Dynamic 0–1 states of a participant, in reporting order.
STATES = (
    "safety",
    "connectedness",
    "loneliness",
    "hope",
    "self_image",
    "self_efficacy",
    "meaning",
)


#: Activation channels: one per mechanism, plus the two directions of social comparison.
def __getattr__(name: str):
    # CHANNELS is read from the mechanism specs, which import this module: so it is computed on
    # first use (after this module is loaded), and follows registered mechanisms.
    if name == "CHANNELS":
        from peersim.core.mechanisms import registry

        return registry.channels()
    raise AttributeError(name)


@dataclass
class Context:
    """What a week runs in: parameters, the static group, the streams, and this week's session."""

    params: Params
    group: Group
    streams: Streams
    week: int
    session: Session | None  # None outside the course (follow-up weeks) and in the control arm
    members: np.ndarray  # stream ids of participants
    all_members: np.ndarray  # stream ids of participants then facilitators
    not_self: np.ndarray  # (N, M) False where a participant meets themself

    def theme(self, name: str) -> float:
        return 0.0 if self.session is None else self.session.intensity(name)

    @property
    def in_course(self) -> bool:
        return self.session is not None

    @property
    def final_session(self) -> bool:
        return self.in_course and self.week == self.params.n_sessions


@dataclass
class State:
    week: int
    baseline: dict[str, np.ndarray]
    drift_target: dict[str, np.ndarray]  # constant part of the background drift
    wither_base: np.ndarray  # unsupported withering rate of sprouts (static)
    safety: np.ndarray
    connectedness: np.ndarray
    loneliness: np.ndarray
    hope: np.ndarray
    self_image: np.ndarray
    self_efficacy: np.ndarray
    meaning: np.ndarray
    bridging: np.ndarray
    ties: np.ndarray
    difference_weight: np.ndarray  # weight of perceived difference (session 4 lowers it)
    present: np.ndarray
    dropped: np.ndarray
    dropout_session: np.ndarray
    sessions_attended: np.ndarray
    shared_sessions: np.ndarray
    shared: np.ndarray  # (R, M) who shared in the latest session
    others_shared: np.ndarray  # (R, N) share of the others who shared in the latest session
    similarity: np.ndarray  # (R, N, M) perceived similarity, 1 - difference_weight * difference
    comparison_weights: tuple  # three (R, N, M) arrays from similarity (see comparison.weights)
    tie_weight: np.ndarray  # (R, N, M) similarity with each participant's own entry zeroed
    rules: object  # group rules agreed so far: a bool, or a PerRun when group_rules varies by run
    mishandled: np.ndarray  # (R,) a mishandled moment this session
    attempted: np.ndarray
    succeeded: np.ndarray
    sprouts: np.ndarray
    realised: np.ndarray
    companionship: np.ndarray  # took up companionship
    companion_weeks_left: np.ndarray
    story_open: np.ndarray  # (R, N) intensity of a life story told and not yet retold (0: none)
    recovery_weights: tuple = (1.0, 1.0, 1.0, 1.0, 1.0)  # CHIME weights (recovery_weight_* in Params)
    fired: dict[str, np.ndarray] = field(default_factory=dict)

    def recovery(self) -> np.ndarray:
        states = (self.loneliness, self.hope, self.self_image, self.meaning, self.self_efficacy)
        return recovery(*states, self.recovery_weights)


def recovery(loneliness, hope, self_image, meaning, self_efficacy, weights=(1.0,) * 5) -> np.ndarray:
    """Personal recovery over CHIME (Leamy et al. 2011, Br J Psychiatry 199:445), a weighted mean of
    connectedness (as 1 - loneliness), hope, identity (self-image), meaning and empowerment. The
    model has no empowerment state of its own: self-efficacy stands in for it (docs/ODD.md, 2.1).

    ``weights`` are the five CHIME weights (``recovery_weight_*``); all 1 by default, which is the
    plain mean. A weighted mean of 0-1 states with positive weights stays in 0-1.
    """
    w_c, w_h, w_i, w_m, w_e = weights
    total = w_c * (1.0 - loneliness) + w_h * hope + w_i * self_image + w_m * meaning + w_e * self_efficacy
    return total / (w_c + w_h + w_i + w_m + w_e)


@dataclass
class Update:
    """What a mechanism returns: new values of some State fields, and for whom it fired."""

    changes: dict[str, object]
    fired: np.ndarray | None = None
    extra_fired: dict[str, np.ndarray] = field(default_factory=dict)


def nudge(x: np.ndarray, up=None, down=None) -> np.ndarray:
    """Move a 0–1 state up by a share of its headroom and down by a share of itself.

    ``x + up*(1-x) - down*x`` with ``up`` and ``down`` cut to 0–1 keeps x in [0, 1] whatever the
    drivers, so no mechanism needs clipping of its own.
    """
    out = x
    if up is not None:
        out = out + np.minimum(np.maximum(up, 0.0), 1.0) * (1.0 - x)
    if down is not None:
        out = out - np.minimum(np.maximum(down, 0.0), 1.0) * x
    return out


def member_sum(x: np.ndarray) -> np.ndarray:
    """Sum over the last (member) axis. einsum is several times faster than ``sum(axis=-1)`` on
    these short axes, and sums each row in the same order whatever the number of runs."""
    return np.einsum("...m->...", x)


def member_dot(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(R, N, M) weights times (R, M) values, summed over members: (R, N)."""
    return np.einsum("rnm,rm->rn", weights, x)
