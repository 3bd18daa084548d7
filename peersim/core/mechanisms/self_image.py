"""Self-image revision through life storytelling, as a sequence (ICAMO 3).

First the telling. In a session with the life-story theme (intensity L), a present participant who
shares tells their story, and it comes out first as a story of illness and limits: that is painful,
and self-image falls by story_hurt * L. The story is then open to being retold.

Then, possibly, the retelling. From the telling on (the feedback round of the same session, and
every later session of the course the person attends), a participant whose story is still open
retells it toward resources and worth with probability

    logit p = story_intercept + story_safety * safety + story_connectedness * connectedness

(safety, and the group's feedback through connectedness), and self-image rises by story_gain * L.
A story is retold at most once; one never retold stays a story of illness and limits, and its
pain is not undone. So every teller meets the pain first, and most, in a safe and connected
group, then the gain: a sequence, not an either/or.

    told:    self_image <- nudge(self_image, down = story_hurt * L);  open <- L
    retold:  self_image <- nudge(self_image, up = story_gain * open);  open <- 0

Evidence (Egmose et al. 2024, "Seeing new sides of oneself"): "One participant stated that life
storytelling had been painful because it became a story about illness and limitations. However,
she also realized that the story could be told differently with a different focus"; Participant 5:
"Well, we talked about that afterward, so when we had to pick up. I would like to rewrite my story a
bit" (the retelling came after the telling) and "What should my life story look like, from now on,
so that I don't just place, paint myself as if I'm just sick"; "Telling one's story was a mechanism
for changing self-image and gaining acceptance and recognition"; "PEER participants learned that
shifting the emphasis of one's life story could result in a shift in one's self-image". That every
first telling hurts (the seed reports one participant) and the sizes are assumptions. Protocol
Table 1, session 7: "Life stories in smaller groups".

Fires for a participant whose story was retold this week. Switched off: storytelling changes
nothing.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from peersim.core.mechanisms.pathways import gate, support
from peersim.core.mechanisms.registry import Mechanism
from peersim.core.state import REAL, Context, State, Update, nudge

NAME = "self_image"


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    intensity = ctx.theme("life_story")
    if p.theory == "common_factors":  # the rival has no storytelling pathway
        return Update({}, fired=None)
    if not ctx.in_course or (intensity == 0.0 and not st.story_open.any()):
        return Update({}, fired=None)
    changes: dict[str, object] = {}
    self_image, story_open = st.self_image, st.story_open
    if intensity:
        told = st.shared[:, : ctx.group.n]
        self_image = nudge(self_image, down=p.story_hurt * intensity * told)
        story_open = np.where(told, REAL(intensity), story_open)
    u = ctx.streams.uniform("story", ctx.week, ctx.members)
    p_retell = expit(
        p.story_intercept + p.story_safety * gate(st, ctx) + p.story_connectedness * support(st, ctx)
    )
    retold = st.present & (story_open > 0) & (u < p_retell)
    self_image = nudge(self_image, up=p.story_gain * story_open * retold)
    changes.update(self_image=self_image, story_open=np.where(retold, REAL(0.0), story_open))
    return Update(changes, fired=np.asarray(retold))


SPEC = Mechanism(
    name=NAME,
    label="self-image revised",
    writes=("self_image", "story_open"),
    phase="session",
    run=run,
    short="selfimg",
    switched_off="storytelling changes nothing.",
    story=(("self_image", "retold their life story around their resources"),),
    reasons=(("self_image", "Retold their life story around their resources: self-image revised."),),
)
