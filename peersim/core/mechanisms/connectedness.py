"""Connectedness: ties grow between listeners and sharers (ICAMO 1).

For a present listener i and a present member j who shared (j != i), i's tie to j grows, scaled
by i's safety and by how similar i perceives j to be; the sharer's tie to each present listener
grows too, more slowly (being heard):

    perceived_similarity[i, j] = 1 - difference_weight[i] * difference[i, j]
    tie[i, j] <- tie + tie_rate * safety_i * perceived_similarity * (1 - tie)      (i heard j)
    tie[i, j] <- tie + heard_rate * safety_i * perceived_similarity * (1 - tie)    (j heard i)
    connectedness_i = mean tie of i to the other members (participants and facilitators);
                      for those who left, it fades instead (see background)
    loneliness_i = loneliness_baseline_i * (1 - loneliness_relief * (1 - (1 - conn)(1 - bridging)))

The "differences are a strength" theme (session 4) lowers difference_weight for those present
by differences_strength * intensity, for the rest of the course. That is an assumption: the
protocol names session 4 "Similarities and differences", and what it does is not reported.

Evidence (Egmose et al. 2024, "Connectedness as a prerequisite for engagement"): "Through sharing
experiences participants felt safe and connected to others"; "Lack of connections to the other
participants in the group was also attributed to differences among group participants concerning
e.g., having a job or age. Participants who remained in the group did not perceive differences as a
barrier"; Discussion: "one explanation for the lack of connectedness is the tendency to focus on
differences rather than similarities with the others in the group" (Festinger 1954). Protocol
Table 1, session 4: "Similarities and differences".

Fires for a participant whose connectedness rose by firing_threshold or more. Switched off: no
ties grow (session 4 still changes how differences are seen).
"""

from __future__ import annotations

import numpy as np

from peersim.core.mechanisms import comparison
from peersim.core.mechanisms.pathways import gate
from peersim.core.mechanisms.registry import Mechanism
from peersim.core.state import REAL, Context, State, Update, member_sum

NAME = "connectedness"


def perceived_similarity(difference_weight: np.ndarray, difference: np.ndarray) -> np.ndarray:
    """(R, N, M) similarity each participant perceives to each member, 0–1."""
    return 1.0 - difference_weight[:, :, None].astype(REAL) * difference


def tie_weight(similarity: np.ndarray, not_self: np.ndarray) -> np.ndarray:
    """Perceived similarity with a participant's own entry zeroed (no tie to oneself)."""
    return similarity * not_self


def loneliness_from(connectedness, bridging, loneliness_baseline, params) -> np.ndarray:
    """Loneliness falls as connectedness (in the group) or bridging (outside it) rises."""
    social = 1.0 - (1.0 - connectedness) * (1.0 - bridging)
    return loneliness_baseline * (1.0 - params.loneliness_relief * social)


def run(st: State, ctx: Context) -> Update:
    p, g = ctx.params, ctx.group
    if p.theory == "common_factors":
        # the rival's alliance: ties toward the facilitators grow in each session attended,
        # whoever shared
        toward = np.zeros(g.n + g.f, dtype=REAL)
        toward[g.n :] = 1.0
        up = (p.tie_rate * st.present).astype(REAL)[:, :, None] * toward
        return _grown(st, ctx, st.ties + up * (1.0 - st.ties))
    sharer = st.shared.astype(REAL)
    present_all = np.concatenate([st.present, np.ones((g.runs, g.f), dtype=bool)], axis=1).astype(REAL)
    # i heard j (i present, j shared) and j heard i (i shared, j present); the person's safety
    # folds into the per-person factors, so the (R, N, M) work is two outer products and a nudge
    receptive = gate(st, ctx)
    hears = (p.tie_rate * receptive * st.present).astype(REAL)
    is_heard = (p.heard_rate * receptive * st.shared[:, : g.n]).astype(REAL)
    contact = hears[:, :, None] * sharer[:, None, :] + is_heard[:, :, None] * present_all[:, None, :]
    up = np.minimum(contact * st.tie_weight, 1.0)  # non-negative by construction
    return _grown(st, ctx, st.ties + up * (1.0 - st.ties))


def _grown(st: State, ctx: Context, ties: np.ndarray) -> Update:
    p = ctx.params
    # those who left have no new ties; their connectedness keeps the fading background gives it
    connectedness = np.where(st.dropped, st.connectedness, member_sum(ties) / REAL(ties.shape[2] - 1))
    loneliness = loneliness_from(connectedness, st.bridging, st.baseline["loneliness"], p)
    return Update(
        {"ties": ties, "connectedness": connectedness, "loneliness": loneliness},
        fired=connectedness - st.connectedness >= p.firing_threshold,
    )


def differences_theme(st: State, ctx: Context) -> dict[str, np.ndarray]:
    """New difference weights (and similarity) after 'differences are a strength'."""
    cut = ctx.params.differences_strength * ctx.theme("differences")
    weight = np.where(st.present, st.difference_weight * (1.0 - cut), st.difference_weight)
    similarity = perceived_similarity(weight, ctx.group.difference)
    return {
        "difference_weight": weight,
        "similarity": similarity,
        "tie_weight": tie_weight(similarity, ctx.not_self),
        "comparison_weights": comparison.weights(similarity, ctx.group, ctx.params),
    }


SPEC = Mechanism(
    name=NAME,
    label="connectedness",
    writes=("connectedness", "loneliness", "ties"),
    phase="session",
    run=run,
    short="connect",
    switched_off="no ties grow (session 4 still changes how differences are seen).",
)
