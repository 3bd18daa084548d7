"""Social comparison, upward and downward (ICAMO 2 and 3).

When a member shares, each present listener compares situations. Standing is what others can see:
standing_stage * recovery stage + standing_work * having work (facilitators: their recovery stage,
and active). With gap = standing_sharer - standing_listener and perceived similarity s (comparison
weight grows with similarity; Gerber, Wheeler & Suls 2018, Psychol Bull 144:177), summed over the
sharers heard and scaled by the listener's safety (safety is the precondition of ICAMO 2 and 3):

    downward (gap < -margin):  D += s * |gap|        -> self-image up by down_gain * D,
                                                        hope down by down_mood_cost * D
    upward, similar (s >= assimilation_threshold):
                               U += s * gap          -> self-image up by up_self_image * U
                               L = max over sharers of s * gap  -> hope up by up_inspire * L
    upward, dissimilar:        C += (1 - s) * gap    -> self-image down by up_contrast * C

    self_image <- nudge(self_image, up = down_gain * D + up_self_image * U, down = up_contrast * C)
    hope       <- nudge(hope, up = up_inspire * L, down = down_mood_cost * D)

Inspiration (L) is one lift a session, from the most inspiring similar better-off sharer (a role
model), not a sum over sharers: the sum grew with how many shared and had no bound within a
session (issue 18). Whether one lift or several is an assumption; the seed says "Others felt
inspired by the peer group facilitators", not how inspiration adds up.

Evidence (Egmose et al. 2024, "Others are worse off"): Participant 7: "Some have it significantly
more difficult. And it was also a bit depressing ... But it also gives you ... You might be ok.
strong, nonetheless"; "Two of the participants who made this statement were employed and the other
participants in their groups were not"; Discussion: "An unexpected finding was that comparing
oneself to others, both those who are well, but also those who are worse off, might change one's
self-image and life narrative in a positive view possibly a mechanism contributing to reduce
self-stigma" (Festinger 1954). So upward comparison with a similar, better-off member (above all the
peer facilitators: "Others felt inspired by the peer group facilitators") may raise self-image too,
not only hope (up_self_image: its size is an assumption, kept small, since the seed calls the
finding unexpected and hedges it, "might", "possibly"). That contrast with a dissimilar better-off
member discourages is literature, not the seed (Gerber, Wheeler & Suls 2018).

Fires when comparison left a gain of firing_threshold or more: comparison_down when the downward
part (net of any contrast) raised self-image (others worse off), comparison_up when the upward part
raised hope or self-image (inspiration); the comparison channel when either did. A discouraging
contrast lowers self-image but is not recorded as firing. Switched off: no comparison effects.
"""

from __future__ import annotations

import numpy as np

from peersim.core.mechanisms.pathways import gate
from peersim.core.mechanisms.registry import Mechanism
from peersim.core.params import Params
from peersim.core.population import Group
from peersim.core.state import REAL, Context, State, Update, member_dot, nudge

NAME = "comparison"


def weights(similarity: np.ndarray, group: Group, p: Params) -> tuple[np.ndarray, ...]:
    """Per-pair weights of the three comparisons (down, inspire, contrast), each (R, N, M).

    They change only when perceived similarity does (the differences theme), so the kernel keeps
    them with the similarity instead of rebuilding them every session. A participant's own entry is
    zero because their gap to themself is zero.
    """
    zero = REAL(0.0)
    down_gap, up_gap = group.gaps_by_direction(p.comparison_margin)
    similar = similarity >= p.assimilation_threshold
    down = similarity * down_gap
    inspire = np.where(similar, similarity * up_gap, zero)
    contrast = np.where(similar, zero, (1.0 - similarity) * up_gap)
    return down, inspire, contrast


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    if p.theory == "common_factors":  # the rival has no comparison pathway
        return Update({}, fired=None)
    upward_rival = p.theory == "upward_comparison"
    if upward_rival:  # the worse off change nothing; role models change self-image
        down_gain, mood_cost = 0.0, 0.0
    else:
        down_gain, mood_cost = p.down_gain, p.down_mood_cost
    sharers = st.shared.astype(REAL)
    # only those present compare, and only as far as they feel safe enough to take it in
    receptive = st.present * gate(st, ctx)
    d, u, c = (receptive * member_dot(w, sharers) for w in st.comparison_weights)
    # inspiration is one lift a session, from the most inspiring better-off sharer, not a sum over
    # sharers (which grew with the number who shared and had no bound within a session)
    lift = receptive * (st.comparison_weights[1] * sharers[:, None, :]).max(axis=2)
    # the rival's own pathway, assimilation to a role model (Collins 1996), is that same one lift a
    # session: summed over every similar better-off sharer (as until issue 18) its self-image d was
    # 1.09 at the prior medians, above anything the trial's QPR-15 effect allows
    upward = p.upward_self_image_gain * lift if upward_rival else p.up_self_image * u
    downward = nudge(st.self_image, up=down_gain * d, down=p.up_contrast * c)
    self_image = nudge(st.self_image, up=down_gain * d + upward, down=p.up_contrast * c)
    hope = nudge(st.hope, up=p.up_inspire * lift, down=mood_cost * d)
    fired_down = downward - st.self_image >= p.firing_threshold
    fired_up = (hope - st.hope >= p.firing_threshold) | (self_image - downward >= p.firing_threshold)
    return Update(
        {"self_image": self_image, "hope": hope},
        fired=fired_down | fired_up,
        extra_fired={"comparison_up": fired_up, "comparison_down": fired_down},
    )


SPEC = Mechanism(
    name=NAME,
    label="comparison",
    channel_labels=(
        ("comparison_up", "inspired by others (upward comparison)"),
        ("comparison_down", "others worse off (downward comparison)"),
    ),
    writes=("hope", "self_image"),
    phase="session",
    run=run,
    short="compare",
    channels=("comparison", "comparison_up", "comparison_down"),
    switched_off="no comparison effects.",
    story=(
        ("comparison_down", "saw that others were worse off and saw their own strengths"),
        ("comparison_up", "was inspired by someone further along the road"),
    ),
    reasons=(
        ("comparison_down", "Saw others worse off and their own strengths (downward comparison)."),
        ("comparison_up", "Was inspired by someone further along the road (upward comparison)."),
    ),
)
