"""Mesa agents whose state lives in the kernel's arrays (a batch of one run).

A Participant's properties read the model's kernel, so the agent and the batch engine can never
disagree: there is one copy of the state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from .state import CHANNELS

if TYPE_CHECKING:
    from .model import PeerGroupModel


def _state_property(name: str, doc: str):
    def getter(self: Participant) -> float:
        return float(getattr(self.model.kernel.state, name)[0, self.index])

    return property(getter, doc=doc)


def _attribute_property(name: str):
    def getter(self: Participant):
        value = self.model.kernel.group.attrs[name][0, self.index]
        return bool(value) if name in ("employed", "lives_alone", "diagnosis") else float(value)

    return property(getter, doc=f"static attribute {name}")


class Participant(mesa.Agent):
    """A course participant (the actor in ICAMO). ``index`` is the member number in the tables."""

    model: PeerGroupModel

    def __init__(self, model: PeerGroupModel, index: int) -> None:
        super().__init__(model)
        self.index = index

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
        return float(self.model.kernel.state.recovery()[0, self.index])

    @property
    def present(self) -> bool:
        return bool(self.model.kernel.state.present[0, self.index])

    @property
    def shared(self) -> bool:
        return bool(self.model.kernel.state.shared[0, self.index])

    @property
    def dropped_out(self) -> bool:
        return bool(self.model.kernel.state.dropped[0, self.index])

    @property
    def sprouts(self) -> int:
        return int(self.model.kernel.state.sprouts[0, self.index])

    @property
    def realised_changes(self) -> int:
        return int(self.model.kernel.state.realised[0, self.index])

    @property
    def fired(self) -> tuple[str, ...]:
        """The mechanisms that fired for this person this week."""
        fired = self.model.kernel.state.fired
        return tuple(name for name in CHANNELS if name in fired and fired[name][0, self.index])

    def explain(self) -> str:
        """This person's course so far, week by week, in plain language."""
        from .narrative import narrate

        return narrate(self.model.kernel, run_row=0, member=self.index)


class Facilitator(mesa.Agent):
    """A peer facilitator: attends every session, shares, is compared with (a role model)."""

    model: PeerGroupModel

    def __init__(self, model: PeerGroupModel, index: int) -> None:
        super().__init__(model)
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
    def shared(self) -> bool:
        kernel = self.model.kernel
        return bool(kernel.state.shared[0, kernel.group.n + self.index])
