"""Mesa agents whose state lives in the kernel's arrays (a batch of one run).

A Participant's properties read the model's kernel, so the agent and the batch engine can never
disagree: there is one copy of the state.

Every agent is a ``mesa.discrete_space.FixedAgent`` on the model's network (``model.grid``): the
cell of member ``m`` is node ``m`` of the graph. ``agent.member`` is the member number used by
the tables, ``explain`` and the kernel (participants 0 to N-1, then facilitators N to N+F-1), and
``unique_id`` equals it.

Both kinds answer the same attribute names, so Mesa's plain attribute reporters work over all
agents (``DataCollector(agent_reporters={"hope": "hope"})``): a facilitator answers what applies
to a facilitator (``shared``, ``present``, ``recovery_stage``, ``dropped_out``) and ``None`` where a
measure is only followed for participants (``hope``, ``safety``, ``age``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import FixedAgent

from peersim.core.population import STATIC_ATTRIBUTES
from peersim.core.state import STATES

if TYPE_CHECKING:
    from peersim.mesa.model import PeerGroupModel


def _state_property(name: str, doc: str):
    def getter(self: Participant) -> float:
        return float(getattr(self.model.kernel.state, name)[0, self.member])

    return property(getter, doc=doc)


def _attribute_property(name: str):
    def getter(self: Participant):
        value = self.model.kernel.group.attrs[name][0, self.member]
        return bool(value) if name in ("employed", "lives_alone", "diagnosis") else float(value)

    return property(getter, doc=f"static attribute {name}")


def _not_followed(name: str):
    return property(lambda self: None, doc=f"{name}: followed for participants only (None)")


#: What peersim follows for participants only; a facilitator answers None for each.
PARTICIPANT_ONLY = (
    *STATES,
    "bridging",
    "recovery",
    "sprouts",
    "realised_changes",
    # a facilitator has a recovery stage of its own; the other attributes are participants'
    *(name for name in STATIC_ATTRIBUTES if name != "recovery_stage"),
)


class Member(FixedAgent):
    """A member of the group, fixed to its node of the model's network."""

    model: PeerGroupModel
    kind = "member"

    def __init__(self, model: PeerGroupModel, member: int) -> None:
        super().__init__(model)
        self.member = member
        self.cell = model.grid[member]

    @property
    def ties(self) -> dict[int, float]:
        """The edge weights of this member's ties in the network (member -> weight)."""
        graph = self.model.grid.G
        return {other: graph.edges[self.member, other]["weight"] for other in graph.neighbors(self.member)}


class Participant(Member):
    """A course participant (the actor in ICAMO). ``member`` (and ``index``) is the member number
    in the tables, 0 to N-1."""

    kind = "participant"

    @property
    def index(self) -> int:
        return self.member

    safety = _state_property("safety", "feeling safe in the group, 0–1")
    connectedness = _state_property("connectedness", "mean tie strength to the group, 0–1")
    loneliness = _state_property("loneliness", "0–1")
    hope = _state_property("hope", "0–1")
    self_image = _state_property("self_image", "1 - self-stigma, 0–1")
    self_efficacy = _state_property("self_efficacy", "0–1")
    meaning = _state_property("meaning", "0–1")
    bridging = _state_property("bridging", "ties outside the group built since the course began, 0–1")

    age = _attribute_property("age")
    employed = _attribute_property("employed")
    lives_alone = _attribute_property("lives_alone")
    diagnosis = _attribute_property("diagnosis")
    sharing_vulnerability = _attribute_property("sharing_vulnerability")
    adversity = _attribute_property("adversity")
    system_distrust = _attribute_property("system_distrust")
    recovery_stage = _attribute_property("recovery_stage")
    wish_for_change = _attribute_property("wish_for_change")

    @property
    def recovery(self) -> float:
        return float(self.model.kernel.state.recovery()[0, self.member])

    @property
    def present(self) -> bool:
        return bool(self.model.kernel.state.present[0, self.member])

    @property
    def shared(self) -> bool:
        return bool(self.model.kernel.state.shared[0, self.member])

    @property
    def dropped_out(self) -> bool:
        return bool(self.model.kernel.state.dropped[0, self.member])

    @property
    def sprouts(self) -> int:
        return int(self.model.kernel.state.sprouts[0, self.member])

    @property
    def realised_changes(self) -> int:
        return int(self.model.kernel.state.realised[0, self.member])

    @property
    def fired(self) -> tuple[str, ...]:
        """The mechanisms that fired for this person this week."""
        fired = self.model.kernel.state.fired
        return tuple(
            name for name in self.model.kernel.channels if name in fired and fired[name][0, self.member]
        )

    def explain(self) -> str:
        """This person's course so far, week by week, in plain language."""
        from peersim.report.narrative import narrate

        return narrate(self.model.kernel, run_row=0, member=self.member)


class Facilitator(Member):
    """A peer facilitator: attends every session, shares, is compared with (a role model).

    ``index`` is the facilitator's number (0 to F-1); ``member`` = N + index, as in the kernel.
    """

    kind = "facilitator"

    def __init__(self, model: PeerGroupModel, index: int) -> None:
        super().__init__(model, model.params.group_size + index)
        self.index = index

    @property
    def skill(self) -> float:
        return self.model.params.facilitator_skill

    @property
    def disclosure(self) -> float:
        return self.model.params.facilitator_disclosure

    @property
    def recovery_stage(self) -> float:
        return self.model.params.facilitator_recovery_stage

    @property
    def role(self) -> str:
        return self.model.params.facilitator_role

    @property
    def present(self) -> bool:
        """At every session of the course (not in the control arm, which has no group)."""
        p = self.model.params
        return not p.control_arm and 1 <= self.model.week <= p.n_sessions

    @property
    def dropped_out(self) -> bool:
        return False

    @property
    def fired(self) -> tuple[str, ...]:
        return ()

    @property
    def shared(self) -> bool:
        return bool(self.model.kernel.state.shared[0, self.member])

    def explain(self) -> str:
        p = self.model.params
        role = "volunteer peer" if p.facilitator_role == "volunteer" else "paid peer worker"
        return (
            f"Facilitator {self.index} (member {self.member}): a {role} with lived experience, skill"
            f" {p.facilitator_skill:g}; peersim follows participants' states, not the facilitators'."
        )


for _name in PARTICIPANT_ONLY:  # the same names as a Participant's, answering None
    setattr(Facilitator, _name, _not_followed(_name))
