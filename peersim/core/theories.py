"""Rival programme theories: what else could explain what the PEER studies saw?

Realist evaluation tests theories: which programme theory explains the observations, and what
would tell it from its rivals (Pawson & Tilley 1997; Westhorp 2014). peersim runs each rival with
the same kernel, phase list and mechanism modules; one parameter, ``theory``, chooses the form some
mechanisms take (``Params(theory="common_factors")``). Every form is written in the module it
changes, and :mod:`peersim.core.mechanisms.pathways` holds the two choices most of them share: what lets
a member take in what the group offers (the *gate*) and what carries their attempts and sprouts
(the *support*).

The rivals are deliberately simpler than the seed's theory: each drops pathways the seed's theory
needs, so if a rival explains the observations as well, the data do not require those pathways.
Their numbers are the seed theory's parameters (calibrated per theory in the model selection of
``experiments/theories.py``) plus a few of their own: ``attention_gain`` (common factors),
``upward_self_image_gain`` (upward comparison) and ``dropout_intercept_rival`` (the level of the
two rivals' simpler dropout hazards: without the seed theory's terms that lower it, the seed
theory's intercept would mean something else). docs/ODD.md (section 7.14) and docs/theories.md
describe them; ``peersim params`` lists them under ``theory``.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import fill


@dataclass(frozen=True)
class Theory:
    """One programme theory: its name, a one-line claim, the mechanism forms it changes (phase ->
    form), and where the idea comes from."""

    name: str
    title: str
    claim: str
    forms: dict[str, str]
    evidence: str

    def describe(self, width: int = 96) -> str:
        """The theory in plain text, wrapped to ``width`` columns."""
        indent = {"initial_indent": "  ", "subsequent_indent": "  "}
        lines = [f"{self.name}: {self.title}", fill(self.claim, width, **indent)]
        lines += [
            fill(f"- {phase}: {form}", width, initial_indent="  ", subsequent_indent="    ")
            for phase, form in self.forms.items()
        ]
        lines.append(fill(f"Evidence: {self.evidence}", width, **indent))
        return "\n".join(lines)


THEORIES: dict[str, Theory] = {
    theory.name: theory
    for theory in (
        Theory(
            name="seed",
            title="the seed's programme theory (Egmose et al. 2024, four ICAMO configurations)",
            claim=(
                "Safety and sharing build connectedness; hope comes from role models and not being"
                " alone; comparison with others, better and worse off, and retelling one's life story"
                " change self-image; acting starts sprouts. Those who feel unsafe, unconnected and"
                " too different leave early."
            ),
            forms={
                "gate": "safety: members take in sharing, role models and comparison as far as safe",
                "support": "connectedness carries sharing, retelling, success and sprouts",
                "dropout": "connectedness, safety, misfit and the value of the gains so far",
            },
            evidence=(
                "The seed (Egmose et al. 2024), its Discussion and revised programme theory; the"
                " mechanisms' docstrings quote it."
            ),
        ),
        Theory(
            name="differences_only",
            title="differences only: fit with the group drives leaving and gains",
            claim=(
                "What matters is whether a member fits the group (perceived similarity to those"
                " still in it). Fit, not safety, decides how much a member takes in; fit, not"
                " connectedness, carries sharing, retelling and success; only misfit drives leaving."
                " No safety or connectedness pathway."
            ),
            forms={
                "gate": "fit (mean perceived similarity to the members still in the group) replaces safety",
                "support": "fit replaces connectedness",
                "dropout": "logit h = dropout_intercept_rival + dropout_misfit * misfit (nothing else)",
            },
            evidence=(
                "A rival built from the seed's own observation that leavers felt too different"
                ' (Participant 7: "I don\'t feel I fit in") without its safety and connectedness'
                " pathway; homophily and similarity attraction (McPherson, Smith-Lovin & Cook 2001,"
                " Annu Rev Sociol 27:415). An assumption as a theory of PEER: nobody proposed it for it."
            ),
        ),
        Theory(
            name="common_factors",
            title="common factors: attendance, hope and attention alone",
            claim=(
                "Any structured, attentive group helps: each session attended gives hope (remoralisation)"
                " and a working alliance with the facilitators. What is shared, with whom one compares"
                " and whether one's story is retold do not matter."
            ),
            forms={
                "gate": "none: every member present takes in the same (gate = 1)",
                "support": "the share of sessions so far that the member attended (attention received)",
                "sharing": "members still share, but nothing reads it (no comparison, story or role models)",
                "connectedness": "ties grow toward the facilitators in each session attended (alliance)",
                "role_modelling": "hope up by attention_gain per session attended, plus the dreams exercise",
                "comparison": "no effect",
                "self_image": "no effect (no storytelling pathway)",
                "dropout": "logit h = dropout_intercept_rival - dropout_value * value (nothing else)",
            },
            evidence=(
                "Common factors of psychotherapy: remoralisation and expectancy (Frank & Frank 1991,"
                " Persuasion and Healing), alliance and attention (Wampold 2015, World Psychiatry"
                " 14:270). An assumption as a theory of PEER."
            ),
        ),
        Theory(
            name="upward_comparison",
            title="upward comparison: role models, not the worse off, change self-image",
            claim=(
                "As in the seed's theory, except that self-image changes by assimilation to similar"
                " better-off members (above all the peer facilitators), and meeting those worse off"
                " does nothing for self-image or mood."
            ),
            forms={
                "comparison": (
                    "downward comparison has no effect; upward comparison with a similar better-off"
                    " member raises self-image by upward_self_image_gain (and hope by up_inspire)"
                ),
            },
            evidence=(
                "Festinger's (1954) unidirectional drive upward and upward assimilation (Collins 1996,"
                ' Psychol Bull 119:51); the seed reports inspiration from the facilitators ("Others'
                ' felt inspired by the peer group facilitators") and, hedged, "An unexpected finding'
                " was that comparing oneself to others, both those who are well, but also those who"
                ' are worse off, might change one’s self-image". An assumption as a theory of PEER.'
            ),
        ),
    )
}

#: The theories' names, the seed's first: the choices of the ``theory`` parameter.
THEORY_NAMES: tuple[str, ...] = tuple(THEORIES)
