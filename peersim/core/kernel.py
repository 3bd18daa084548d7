"""The kernel: advance R groups by one week. Both front ends (the batch engine and the Mesa model)
run exactly this code, so they agree to the last bit.

The schedule of one week, in order (built by session_phases() and weekly_phases() from the
mechanism registry, core/mechanisms/registry.py; docs/MODEL.md, "Mechanisms, in the order of one session"):

  course weeks, PEER arm (weeks 1..n_sessions):
    agreement       group rules agreed (rules theme)               [intervention element]
    attendance      who is in the room                              mechanism
    safety          safety toward its target; mishandled moments    mechanism   ICAMO 1
    sharing         facilitators, then participants share          mechanism   ICAMO 1
    connectedness   ties between listeners and sharers             mechanism   ICAMO 1
    comparison      upward and downward social comparison          mechanism   ICAMO 2, 3
    role_modelling  hope from role models, not being alone, dreams mechanism   ICAMO 2
    self_image      life story told (hurts), then possibly retold  mechanism   ICAMO 3
    acting          trying something new; sprouts start            mechanism   ICAMO 4
    differences     "differences are a strength" (session 4)       [intervention element]
  every week, both arms:
    sprouts         sprouts become change or wither                mechanism   ICAMO 4
    dropout         leaving after a session                        mechanism
    companionship   uptake after the last session; bridging        mechanism
    background      drift, life events, ties fading out of group   (service as usual)

Measurement (QPR-15) is taken at baseline (week 0), end of course and end of follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from peersim.core import mechanisms as m
from peersim.core.mechanisms import registry
from peersim.core.params import Params
from peersim.core.perrun import column
from peersim.core.plan import plan_for
from peersim.core.population import Group, draw_group, facilitator_members
from peersim.core.rng import Streams
from peersim.core.state import REAL, STATES, Context, State, Update, member_sum


def session_phases() -> tuple:
    """(phase name, run, off, mechanism switch or None) of a course week, from the registry."""
    return (
        ("agreement", None, None, None),
        *((s.name, s.run, s.off, s.switch) for s in registry.phase("session")),
        ("differences", None, None, None),
    )


def weekly_phases() -> tuple:
    """(phase name, run, off, mechanism switch or None) of every week, from the registry."""
    return (
        *((s.name, s.run, s.off, s.switch) for s in registry.phase("weekly")),
        ("background", m.background.run, None, None),
    )


QPR_ITEMS = 15
# Baseline states from the static attributes: intercept + stage weight * recovery stage + adversity
# weight * adversity (+ the weight of one more attribute, for the states that have one), with the
# numbers in Params (baseline_<state>_intercept, _stage, _adversity, _<attribute>). Those further on
# the recovery journey start with more hope, a better self-image, more self-efficacy and meaning,
# and less loneliness; adversity weighs on hope and self-efficacy; a diagnosis on self-image; living
# alone on loneliness; having work gives meaning. Which attribute each state uses is structure;
# how much it weighs is a parameter. Person-level noise (baseline_noise) is added on top, then cut
# to 0.01-0.99.
BASELINE_ATTRIBUTE = {
    "hope": None,
    "self_image": "diagnosis",
    "self_efficacy": None,
    "meaning": "employed",
    "loneliness": "lives_alone",
}
_STATE_FLOOR, _STATE_CEIL = 0.01, 0.99


@dataclass
class Snapshot:
    """Participant states at one moment (baseline, end of course, end of follow-up)."""

    week: int
    values: dict[str, np.ndarray]


class Kernel:
    """R groups of one scenario, advanced week by week.

    ``Kernel(params, seed, runs)`` draws the groups for the given run indices; ``step()`` advances
    one week; ``done`` is true after the follow-up. Everything random comes from the counter-based
    streams keyed by (seed, run, week, stream, member).
    """

    def __init__(
        self,
        params: Params,
        seed: int,
        runs: np.ndarray,
        population=None,
        record_sessions: bool = False,
        record_ties: bool = False,
    ) -> None:
        self.params = params
        self.streams = Streams(seed, np.asarray(runs))
        self.group: Group = draw_group(params, self.streams, population)
        self.plan = plan_for(params.session_plan, params.n_sessions)
        self.total_weeks = params.n_sessions + params.follow_up_weeks
        n, f = params.group_size, params.n_facilitators
        self._members = np.arange(n)
        self._all_members = np.concatenate([self._members, facilitator_members(params)])
        self._not_self = np.ones((n, n + f), dtype=bool)
        self._not_self[np.arange(n), np.arange(n)] = False
        self.state = self._initial_state()
        # weeks each channel fired, per person: (channel, R, N), so each channel's block is contiguous
        self.session_phases, self.weekly_phases = session_phases(), weekly_phases()
        self.channels = registry.channels()
        self.activations = np.zeros((len(self.channels), self.group.runs, n), dtype=np.int16)
        self.mishandled_sessions = np.zeros(self.group.runs, dtype=np.int16)
        self.snapshots: dict[str, Snapshot] = {"baseline": self._snapshot()}
        self.record_sessions = record_sessions or record_ties
        self.record_ties = record_ties  # the (R, N, M) tie matrix every week: for figures of one group
        self.history: list[dict[str, np.ndarray]] = []
        if self.record_sessions:
            self.history.append(self._week_record(self.context(0)))

    # --- set-up -------------------------------------------------------------------------------
    def _initial_state(self) -> State:
        p, g = self.params, self.group
        runs, n, f = g.runs, g.n, g.f
        attrs = g.attrs
        from peersim.core.params import BASELINE_PARAMS  # here: the kernel's imports are shared

        baseline = {}
        for name, other in BASELINE_ATTRIBUTE.items():
            z = ndtri(self.streams.uniform(f"baseline.{name}", 0, self._members))
            intercept, stage, adversity, relative = BASELINE_PARAMS[name]
            value = (
                getattr(p, intercept)
                + getattr(p, stage) * attrs["recovery_stage"]
                + getattr(p, adversity) * attrs["adversity"]
            )
            if other:
                value = value + getattr(p, relative) * attrs[other]
            baseline[name] = np.clip(value + p.baseline_noise * z, _STATE_FLOOR, _STATE_CEIL).astype(REAL)
        safety = p.safety_arrival * (1.0 - p.safety_arrival_vulnerability * attrs["sharing_vulnerability"])
        zeros = np.zeros((runs, n), dtype=REAL)
        izeros = np.zeros((runs, n), dtype=np.int16)
        bzeros = np.zeros((runs, n), dtype=bool)
        baseline = {**baseline, "safety": safety, "connectedness": zeros.copy()}
        similarity = m.connectedness.perceived_similarity(np.ones((runs, n), dtype=REAL), g.difference)
        return State(
            week=0,
            baseline=baseline,
            drift_target=m.background.drift_targets(baseline, p),
            wither_base=m.sprouts.wither_base(attrs["adversity"], p),
            safety=safety.copy(),
            connectedness=zeros.copy(),
            loneliness=baseline["loneliness"].copy(),
            hope=baseline["hope"].copy(),
            self_image=baseline["self_image"].copy(),
            self_efficacy=baseline["self_efficacy"].copy(),
            meaning=baseline["meaning"].copy(),
            bridging=zeros.copy(),
            ties=np.zeros((runs, n, n + f), dtype=REAL),
            difference_weight=np.ones((runs, n), dtype=REAL),
            present=bzeros.copy(),
            dropped=bzeros.copy(),
            dropout_session=izeros.copy(),
            sessions_attended=izeros.copy(),
            shared_sessions=izeros.copy(),
            shared=np.zeros((runs, n + f), dtype=bool),
            others_shared=zeros.copy(),
            similarity=similarity,
            comparison_weights=m.comparison.weights(similarity, g, p),
            tie_weight=m.connectedness.tie_weight(similarity, self._not_self),
            rules=False,
            mishandled=np.zeros(runs, dtype=bool),
            attempted=bzeros.copy(),
            succeeded=bzeros.copy(),
            sprouts=izeros.copy(),
            realised=izeros.copy(),
            companionship=bzeros.copy(),
            companion_weeks_left=izeros.copy(),
            story_open=zeros.copy(),
            recovery_weights=(
                p.recovery_weight_connectedness,
                p.recovery_weight_hope,
                p.recovery_weight_identity,
                p.recovery_weight_meaning,
                p.recovery_weight_empowerment,
            ),
        )

    # --- one week -----------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.state.week >= self.total_weeks

    def step(self) -> None:
        """Advance every group by one week."""
        if self.done:
            raise RuntimeError("the course and its follow-up are over")
        st = self.state
        st.week += 1
        st.fired = {}
        st.attempted = np.zeros_like(st.attempted)
        st.succeeded = np.zeros_like(st.succeeded)
        st.mishandled = np.zeros_like(st.mishandled)
        ctx = self.context(st.week)
        if ctx.session is not None:
            for phase in self.session_phases:
                self._run_phase(phase, st, ctx)
            self.mishandled_sessions += st.mishandled
        else:
            st.present = np.zeros_like(st.present)
            st.shared = np.zeros_like(st.shared)
        for phase in self.weekly_phases:
            self._run_phase(phase, st, ctx)
        for i, name in enumerate(self.channels):
            fired = st.fired.get(name)
            if fired is not None:
                self.activations[i] += fired
        if st.week == self.params.n_sessions:
            self.snapshots["end"] = self._snapshot()
        if st.week == self.total_weeks:
            self.snapshots["followup"] = self._snapshot()
        if self.record_sessions:
            self.history.append(self._week_record(ctx))

    def context(self, week: int) -> Context:
        """What week ``week`` runs in (its session, or none in follow-up and the control arm)."""
        in_course = 1 <= week <= self.params.n_sessions
        session = self.plan[week - 1] if in_course and not self.params.control_arm else None
        return Context(
            params=self.params,
            group=self.group,
            streams=self.streams,
            week=week,
            session=session,
            members=self._members,
            all_members=self._all_members,
            not_self=self._not_self,
        )

    def run(self) -> None:
        while not self.done:
            self.step()

    def _run_phase(self, phase, st: State, ctx: Context) -> None:
        name, run, off, switch = phase
        if run is None:
            self._intervention_element(name, st, ctx)
            return
        if switch is not None and not self.params.enabled(switch):
            update = off(st, ctx) if off else None
        else:
            update = run(st, ctx)
        if update is not None:
            self._apply(update, st, switch)

    def _intervention_element(self, name: str, st: State, ctx: Context) -> None:
        if name == "agreement" and ctx.theme("rules"):
            st.rules = st.rules | self.params.group_rules
        elif name == "differences" and ctx.theme("differences"):
            for name, value in m.connectedness.differences_theme(st, ctx).items():
                setattr(st, name, value)

    @staticmethod
    def _apply(update: Update, st: State, channel: str | None) -> None:
        for field_name, value in update.changes.items():
            if getattr(value, "dtype", None) == np.float64:  # a float64 driver: keep state REAL
                value = value.astype(REAL)
            setattr(st, field_name, value)
        if channel is not None and update.fired is not None:
            st.fired[channel] = update.fired
        st.fired.update(update.extra_fired)

    # --- measurement and records --------------------------------------------------------------
    def qpr(self, week: int) -> np.ndarray:
        """QPR-15 total (0–60) from the recovery composite, with occasion and item noise.

        Each item: 0.5 + qpr_scale * (recovery - qpr_centre) + occasion noise (normal) + item noise
        (uniform), on a 0–4 scale (rounded, cut to 0–4); the total sums the 15 items (Neil et al.
        2009; Law et al. 2014).
        """
        p = self.params
        occasion = ndtri(self.streams.uniform("qpr.occasion", week, self._members))
        latent = 0.5 + p.qpr_scale * (self.state.recovery() - p.qpr_centre) + p.qpr_occasion_noise * occasion
        # item noise is uniform with sd qpr_item_noise (sqrt(12) * (u - 1/2) has sd 1); the items
        # are worked in float32 (they are rounded to 0..4 anyway), on the 0-4 scale
        u = self.streams.uniform16("qpr.items", week, self._members, QPR_ITEMS, dtype=REAL)
        spread = column(4.0 * p.qpr_item_noise * np.sqrt(12.0), 3, REAL)
        score = np.rint((4.0 * latent).astype(REAL)[:, :, None] + spread * (u - REAL(0.5)))
        return member_sum(np.minimum(np.maximum(score, REAL(0.0)), REAL(4.0))).astype(float)

    def _snapshot(self) -> Snapshot:
        st = self.state
        values = {name: getattr(st, name).copy() for name in _SNAPSHOT_FIELDS}
        values["recovery"] = st.recovery()
        values["qpr"] = self.qpr(st.week)
        return Snapshot(st.week, values)

    def _week_record(self, ctx: Context) -> dict[str, np.ndarray]:
        st = self.state
        record = {name: getattr(st, name).copy() for name in _SESSION_FIELDS}
        record["recovery"] = st.recovery()
        record["similarity_to_group"] = 1.0 - m.dropout.misfit(st, ctx)
        record["closest_tie"] = st.ties.max(axis=2)
        if self.record_ties:
            record["ties"] = st.ties.copy()
        record["mishandled"] = np.repeat(st.mishandled[:, None], self.group.n, axis=1)
        record["week"] = st.week
        for name in self.channels:
            fired = st.fired.get(name)
            record[f"mech_{name}"] = fired.copy() if fired is not None else np.zeros_like(st.present)
        record["shared"] = st.shared[:, : self.group.n].copy()
        return record


_SNAPSHOT_FIELDS = (*STATES, "bridging", "sprouts", "realised")
_SESSION_FIELDS = ("present", "dropped", *_SNAPSHOT_FIELDS, "attempted", "succeeded")
