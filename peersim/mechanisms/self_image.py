"""Self-image revision through life storytelling (ICAMO 3).

In a session with the life-story theme (intensity L), a present participant who shares tells
their story. It is reframed toward resources and worth with probability

    logit p = story_intercept + story_safety * safety + story_connectedness * connectedness

(safety and the group's feedback), raising self-image by story_gain * L; otherwise it stays a
story of illness and limits and costs story_hurt * L.

Evidence (Egmose et al. 2024, "Seeing new sides of oneself"): "One participant stated that life
storytelling had been painful because it became a story about illness and limitations. However,
she also realized that the story could be told differently"; Participant 5: "What should my life
story look like, from now on, so that I don't just ... paint myself as if I'm just sick"; "Telling
one's story was a mechanism for changing self-image and gaining acceptance and recognition".
Protocol Table 1, session 7: "Life stories in smaller groups".

Fires for a participant whose story was reframed. Switched off: storytelling changes nothing.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..state import Context, State, Update, nudge

NAME = "self_image"


def run(st: State, ctx: Context) -> Update:
    p = ctx.params
    intensity = ctx.theme("life_story")
    if intensity == 0.0:
        return Update({}, fired=None)
    told = st.shared[:, : ctx.group.n]
    u = ctx.streams.uniform("story", ctx.week, ctx.members)
    p_reframe = expit(
        p.story_intercept + p.story_safety * st.safety + p.story_connectedness * st.connectedness
    )
    reframed = told & (u < p_reframe)
    hurt = told & ~reframed
    self_image = nudge(
        st.self_image, up=p.story_gain * intensity * reframed, down=p.story_hurt * intensity * hurt
    )
    return Update({"self_image": self_image}, fired=np.asarray(reframed))
