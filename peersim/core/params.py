"""Parameters: one frozen, validated object.

Every parameter has a default for the PEER civil-society course, a unit, a valid range and a
meaning (``peersim params`` prints them). Unknown names and out-of-range values raise a
``ValueError`` that names the parameter, its valid range, and the nearest valid name. Nothing is
silently clamped.

The default of every parameter with a prior is that prior's median in the evidence register
(peersim/data/evidence.toml): the register's central value, the model before the data
(tests/test_evidence.py checks it; peersim.data.register.NOT_THE_MEDIAN lists any exception with its
reason). What the observations say about a parameter is the posterior's (docs/calibration.md,
"Which values to quote: defaults or posterior"): the defaults were fitted to nothing.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from difflib import get_close_matches
from typing import Any

import numpy as np

from peersim.core.mechanisms import registry as _registry
from peersim.core.perrun import choose
from peersim.core.plan import PEER_PLAN, Session
from peersim.core.theories import THEORY_NAMES

#: Built-in mechanisms in schedule order (from the registry, core/mechanisms/registry.py); each can
#: be switched off with ``disabled_mechanisms``.
MECHANISMS: tuple[str, ...] = tuple(name for name, _ in _registry.BUILTIN)

SETTINGS = ("civil_society", "mental_health_service")
FACILITATOR_ROLES = ("volunteer", "paid")


def _p(
    default: Any,
    lo=None,
    hi=None,
    unit: str = "",
    doc: str = "",
    group: str = "",
    choices=None,
    structural: bool = False,
    carries: tuple[str, ...] = (),
):
    """A parameter field with its metadata: default, valid range ``lo``-``hi``, unit, meaning, the
    group it is listed in, its ``choices`` (strings); ``structural`` when it changes array shapes
    or which phases run (runs that differ in it are batched apart, :mod:`peersim.core.sets`), and
    ``carries``: the parameters through which a switch acts, whose evidence its effect rests on
    (:func:`peersim.stats.uncertainty.exploratory`)."""
    return field(
        default=default,
        metadata={
            "lo": lo,
            "hi": hi,
            "unit": unit,
            "doc": doc,
            "group": group,
            "choices": choices,
            "structural": structural,
            "carries": tuple(carries),
        },
    )


@dataclass(frozen=True, init=False)
class Params:
    """All inputs of one scenario. Build with keywords: ``Params(group_size=10)``."""

    # --- intervention -------------------------------------------------------------------------
    group_size: int = _p(
        8,
        2,
        24,
        "participants",
        "participants per group",
        "intervention",
        structural=True,
        carries=("safety_size_weight",),
    )
    n_sessions: int = _p(
        10, 1, 40, "sessions", "weekly group sessions in the course", "intervention", structural=True
    )
    follow_up_weeks: int = _p(
        26, 0, 156, "weeks", "weeks simulated after the last session", "intervention", structural=True
    )
    session_plan: tuple = _p(
        PEER_PLAN,
        doc="themes of each session (stretched to n_sessions)",
        group="intervention",
        structural=True,
    )
    group_rules: bool = _p(
        True,
        doc="group rules agreed in the rules session",
        group="intervention",
        carries=("safety_rules_weight",),
    )
    anonymity: bool = _p(
        True,
        doc="system anonymity: nothing reported to services",
        group="intervention",
        carries=("safety_anonymity_weight",),
    )
    companionship_offered: bool = _p(
        True,
        doc="individual companionship offered after the course",
        group="intervention",
        carries=("uptake_base", "bridge_rate", "companion_support"),
    )
    companionship_weeks: int = _p(
        26, 0, 104, "weeks", "length of the companionship offer (PEER: up to 6 months)", "intervention"
    )
    case_worker_support: float = _p(
        0.3,
        0.0,
        1.0,
        "0-1",
        "support from a municipal case worker (waters sprouts)",
        "intervention",
        carries=("sprout_support_gain",),
    )
    control_arm: bool = _p(
        False, doc="service as usual: same people and draws, no group", group="intervention", structural=True
    )

    # --- context ------------------------------------------------------------------------------
    setting: str = _p(
        "civil_society",
        doc="where the course runs",
        group="context",
        choices=SETTINGS,
        carries=("service_equality", "safety_service_distrust", "service_distance"),
    )
    facilitator_role: str = _p(
        "volunteer",
        doc="volunteer peers or paid peer workers",
        group="context",
        choices=FACILITATOR_ROLES,
        carries=("paid_equality", "paid_disclosure", "paid_distance"),
    )
    covid_restrictions: bool = _p(
        False,
        doc="COVID-19 restrictions (absence, companionship, bridging)",
        group="context",
        carries=("absence_covid", "uptake_covid", "bridge_covid"),
    )

    # --- facilitators -------------------------------------------------------------------------
    n_facilitators: int = _p(
        2, 1, 4, "people", "peer facilitators per group", "facilitators", structural=True
    )
    facilitator_skill: float = _p(
        0.65,
        0.0,
        1.0,
        "0-1",
        "holding a safe space, speaking time, handling silence",
        "facilitators",
        carries=("safety_skill_weight", "mishandle_rate"),
    )
    facilitator_disclosure: float = _p(
        0.7, 0.0, 1.0, "0-1", "how much of their own lived experience they share", "facilitators"
    )
    facilitator_recovery_stage: float = _p(
        0.775, 0.0, 1.0, "0-1", "how far along their own recovery (role models)", "facilitators"
    )
    facilitator_age: float = _p(45.0, 18.0, 90.0, "years", "facilitators' age", "facilitators")

    # --- population (who joins) ---------------------------------------------------------------
    age_mean: float = _p(40.0, 18.0, 80.0, "years", "mean age of participants", "population")
    age_sd: float = _p(10.0, 0.0, 30.0, "years", "spread of age (normal, cut to 18-80)", "population")
    employed_share: float = _p(0.175, 0.0, 1.0, "share", "share in paid work", "population")
    lives_alone_share: float = _p(0.675, 0.0, 1.0, "share", "share living alone", "population")
    diagnosis_share: float = _p(0.775, 0.0, 1.0, "share", "share ever given a diagnosis", "population")
    sharing_vulnerability_mean: float = _p(
        0.3, 0.01, 0.99, "0-1", "median earlier bad experience of being exposed", "population"
    )
    adversity_mean: float = _p(
        0.4, 0.01, 0.99, "0-1", "median adversity: finances, housing, substances", "population"
    )
    system_distrust_mean: float = _p(
        0.45, 0.01, 0.99, "0-1", "median distrust from earlier service experience", "population"
    )
    recovery_stage_mean: float = _p(
        0.4, 0.01, 0.99, "0-1", "median position on the recovery journey", "population"
    )
    wish_for_change_mean: float = _p(0.65, 0.01, 0.99, "0-1", "median wish for change", "population")
    trait_spread: float = _p(
        1.0, 0.0, 3.0, "logit sd", "spread of the 0-1 traits around their median", "population"
    )
    baseline_noise: float = _p(
        0.08, 0.0, 0.3, "0-1 sd", "person-level noise in the baseline states", "population"
    )

    # --- baseline states (week 0, from the static attributes) ---------------------------------
    baseline_hope_intercept: float = _p(0.15, -1.0, 1.0, "0-1", "hope at stage 0, no adversity", "baseline")
    baseline_hope_stage: float = _p(
        0.65, -1.0, 1.0, "per unit", "hope per unit of recovery stage", "baseline"
    )
    baseline_hope_adversity: float = _p(
        -0.15, -1.0, 1.0, "per unit", "hope per unit of adversity", "baseline"
    )
    baseline_self_image_intercept: float = _p(
        0.2, -1.0, 1.0, "0-1", "self-image at stage 0, no adversity", "baseline"
    )
    baseline_self_image_stage: float = _p(
        0.65, -1.0, 1.0, "per unit", "self-image per unit of recovery stage", "baseline"
    )
    baseline_self_image_adversity: float = _p(
        -0.125, -1.0, 1.0, "per unit", "self-image per unit of adversity", "baseline"
    )
    baseline_self_image_diagnosis: float = _p(
        -0.075, -1.0, 1.0, "0-1", "self-image with a diagnosis, relative", "baseline"
    )
    baseline_self_efficacy_intercept: float = _p(
        0.2, -1.0, 1.0, "0-1", "self-efficacy at stage 0, no adversity", "baseline"
    )
    baseline_self_efficacy_stage: float = _p(
        0.65, -1.0, 1.0, "per unit", "self-efficacy per unit of recovery stage", "baseline"
    )
    baseline_self_efficacy_adversity: float = _p(
        -0.15, -1.0, 1.0, "per unit", "self-efficacy per unit of adversity", "baseline"
    )
    baseline_meaning_intercept: float = _p(
        0.2, -1.0, 1.0, "0-1", "meaning at stage 0, no adversity", "baseline"
    )
    baseline_meaning_stage: float = _p(
        0.55, -1.0, 1.0, "per unit", "meaning per unit of recovery stage", "baseline"
    )
    baseline_meaning_adversity: float = _p(
        -0.075, -1.0, 1.0, "per unit", "meaning per unit of adversity", "baseline"
    )
    baseline_meaning_employed: float = _p(0.1, -1.0, 1.0, "0-1", "meaning with work, relative", "baseline")
    baseline_loneliness_intercept: float = _p(
        0.55, -1.0, 1.0, "0-1", "loneliness at stage 0, no adversity", "baseline"
    )
    baseline_loneliness_stage: float = _p(
        -0.5, -1.0, 1.0, "per unit", "loneliness per unit of recovery stage", "baseline"
    )
    baseline_loneliness_adversity: float = _p(
        0.1, -1.0, 1.0, "per unit", "loneliness per unit of adversity", "baseline"
    )
    baseline_loneliness_lives_alone: float = _p(
        0.2, -1.0, 1.0, "0-1", "loneliness when living alone, relative", "baseline"
    )

    # --- attendance ---------------------------------------------------------------------------
    absence_base: float = _p(0.06, 0.0, 0.5, "prob/session", "absence without adversity", "attendance")
    absence_adversity: float = _p(
        0.125, 0.0, 0.5, "prob/session", "extra absence at full adversity", "attendance"
    )
    absence_covid: float = _p(
        0.075, 0.0, 0.5, "prob/session", "extra absence under COVID restrictions", "attendance"
    )

    # --- safety -------------------------------------------------------------------------------
    safety_arrival: float = _p(0.4, 0.0, 1.0, "0-1", "safety on arrival among strangers", "safety")
    safety_arrival_vulnerability: float = _p(
        0.5, 0.0, 1.0, "share", "arrival safety lost per unit of sharing vulnerability", "safety"
    )
    safety_base: float = _p(0.45, 0.0, 1.0, "0-1", "safety target of a plain group", "safety")
    safety_rate: float = _p(0.35, 0.0, 1.0, "1/session", "speed toward the safety target", "safety")
    safety_skill_weight: float = _p(
        0.4, 0.0, 1.0, "0-1", "target gain per unit of skill above safety_skill_centre", "safety"
    )
    safety_skill_centre: float = _p(
        0.5, 0.0, 1.0, "0-1", "facilitator skill that neither adds nor takes safety", "safety"
    )
    safety_rules_weight: float = _p(0.15, 0.0, 0.5, "0-1", "target gain from agreed rules", "safety")
    safety_anonymity_weight: float = _p(
        0.2, 0.0, 0.5, "0-1", "target gain from anonymity, times system distrust", "safety"
    )
    safety_service_distrust: float = _p(
        0.25, 0.0, 0.5, "0-1", "target loss inside services, times system distrust", "safety"
    )
    safety_size_weight: float = _p(
        0.0, -1.0, 1.0, "0-1", "target loss per reference size above the reference (gain below)", "safety"
    )
    safety_size_reference: float = _p(
        8.0, 2.0, 24.0, "participants", "group size that neither adds nor takes safety", "safety"
    )
    safety_listening_weight: float = _p(
        0.2, 0.0, 0.5, "0-1", "target gain when all others shared last session", "safety"
    )
    mishandle_rate: float = _p(
        0.35, 0.0, 1.0, "prob/session", "chance of a mishandled moment at zero skill", "safety"
    )
    mishandle_distress_base: float = _p(
        0.6, 0.0, 2.0, "factor", "mishandle factor with no adversity present (plus mean adversity)", "safety"
    )
    mishandle_drop: float = _p(
        0.3, 0.0, 1.0, "share", "share of safety lost by all present when mishandled", "safety"
    )
    safe_threshold: float = _p(
        0.5, 0.0, 1.0, "0-1", "safety at which a person counts as feeling safe", "safety"
    )

    # --- sharing ------------------------------------------------------------------------------
    share_intercept: float = _p(-2.75, -40.0, 40.0, "logit", "sharing log-odds at zero drivers", "sharing")
    share_safety: float = _p(4.5, 0.0, 40.0, "logit", "per unit of safety", "sharing")
    share_connectedness: float = _p(1.5, 0.0, 40.0, "logit", "per unit of connectedness", "sharing")
    share_modelling: float = _p(
        1.15, 0.0, 40.0, "logit", "when all facilitators disclosed (times equality)", "sharing"
    )
    share_vulnerability: float = _p(2.5, 0.0, 40.0, "logit", "per unit of sharing vulnerability", "sharing")
    share_norms: float = _p(0.5, 0.0, 40.0, "logit", "in the sharing-norms session", "sharing")
    paid_disclosure: float = _p(
        0.65, 0.0, 1.0, "factor", "disclosure of paid peer workers relative to volunteers", "sharing"
    )
    paid_equality: float = _p(
        0.65, 0.0, 1.0, "factor", "how equal paid facilitators are seen (volunteers: 1)", "sharing"
    )
    service_equality: float = _p(
        0.75, 0.0, 1.0, "factor", "equality inside mental health services (civil society: 1)", "sharing"
    )

    # --- connectedness ------------------------------------------------------------------------
    tie_rate: float = _p(0.325, 0.0, 1.0, "1/session", "tie growth from hearing one sharer", "connectedness")
    heard_rate: float = _p(
        0.175, 0.0, 1.0, "1/session", "tie growth toward each listener when sharing", "connectedness"
    )
    tie_decay: float = _p(
        0.045, 0.0, 1.0, "1/week", "fading of connectedness when out of the group", "connectedness"
    )
    loneliness_relief: float = _p(
        0.3, 0.0, 1.0, "share", "loneliness removed at full connectedness", "connectedness"
    )
    differences_strength: float = _p(
        0.4,
        0.0,
        1.0,
        "share",
        "cut in perceived difference after 'differences are a strength'",
        "connectedness",
    )
    difference_age: float = _p(
        0.3, 0.0, 1.0, "weight", "difference from a full age gap (sum cut to 1)", "connectedness"
    )
    difference_employed: float = _p(
        0.3, 0.0, 1.0, "weight", "difference from work versus none", "connectedness"
    )
    difference_lives_alone: float = _p(
        0.1, 0.0, 1.0, "weight", "difference from living alone versus not", "connectedness"
    )
    difference_diagnosis: float = _p(
        0.1, 0.0, 1.0, "weight", "difference from a diagnosis versus none", "connectedness"
    )
    difference_stage: float = _p(
        0.2, 0.0, 1.0, "weight", "difference per unit of recovery-stage gap", "connectedness"
    )
    difference_age_scale: float = _p(
        27.5, 1.0, 62.0, "years", "age gap that counts as fully different in age", "connectedness"
    )
    paid_distance: float = _p(0.25, 0.0, 1.0, "0-1", "extra difference to paid peer workers", "connectedness")
    service_distance: float = _p(
        0.15, 0.0, 1.0, "0-1", "extra difference to facilitators inside services", "connectedness"
    )

    # --- social comparison --------------------------------------------------------------------
    comparison_margin: float = _p(
        0.125, 0.0, 1.0, "standing", "smallest gap in standing that counts", "comparison"
    )
    standing_stage: float = _p(
        0.6, 0.0, 1.0, "weight", "visible standing per unit of recovery stage", "comparison"
    )
    standing_work: float = _p(
        0.4, 0.0, 1.0, "weight", "visible standing from having work (facilitators: active)", "comparison"
    )
    down_gain: float = _p(0.125, 0.0, 1.0, "per gap", "self-image gain from a worse-off sharer", "comparison")
    down_mood_cost: float = _p(0.015, 0.0, 1.0, "per gap", "hope cost of meeting the worse off", "comparison")
    up_inspire: float = _p(0.012, 0.0, 1.0, "per gap", "hope from a similar better-off sharer", "comparison")
    up_self_image: float = _p(
        0.01, 0.0, 1.0, "per gap", "self-image from a similar better-off sharer", "comparison"
    )
    up_contrast: float = _p(
        0.04, 0.0, 1.0, "per gap", "self-image cost of a dissimilar better-off", "comparison"
    )
    assimilation_threshold: float = _p(
        0.6, 0.0, 1.0, "similarity", "similarity above which upward comparison inspires", "comparison"
    )

    # --- role modelling and hope --------------------------------------------------------------
    role_model_gain: float = _p(
        0.125, 0.0, 1.0, "per session", "hope from facilitators' recovery stories", "role_modelling"
    )
    not_alone_gain: float = _p(
        0.05, 0.0, 1.0, "per session", "hope from hearing others share, while still alone", "role_modelling"
    )
    not_alone_share: float = _p(
        0.4, 0.0, 1.0, "share", "participants who take hope from not being alone", "role_modelling"
    )
    dreams_gain: float = _p(0.06, 0.0, 1.0, "per session", "hope from the dreams exercise", "role_modelling")

    # --- self-image revision ------------------------------------------------------------------
    story_intercept: float = _p(
        -1.0, -40.0, 40.0, "logit", "retelling log-odds at zero drivers", "self_image"
    )
    story_safety: float = _p(2.5, 0.0, 40.0, "logit", "retelling per unit of safety", "self_image")
    story_connectedness: float = _p(
        1.5, 0.0, 40.0, "logit", "retelling per unit of connectedness", "self_image"
    )
    story_gain: float = _p(0.125, 0.0, 1.0, "share", "self-image gain when the story is retold", "self_image")
    story_hurt: float = _p(
        0.06, 0.0, 1.0, "share", "self-image loss from the first telling (illness and limits)", "self_image"
    )

    # --- acting in own life -------------------------------------------------------------------
    attempt_intercept: float = _p(-2.0, -40.0, 40.0, "logit", "attempt log-odds at zero drivers", "acting")
    attempt_efficacy: float = _p(2.0, 0.0, 40.0, "logit", "attempts per unit of self-efficacy", "acting")
    attempt_hope: float = _p(1.5, 0.0, 40.0, "logit", "attempts per unit of hope", "acting")
    attempt_safety: float = _p(1.5, 0.0, 40.0, "logit", "attempts per unit of safety", "acting")
    attempt_wish: float = _p(1.5, 0.0, 40.0, "logit", "attempts per unit of wish for change", "acting")
    success_intercept: float = _p(0.0, -40.0, 40.0, "logit", "success log-odds at zero drivers", "acting")
    success_efficacy: float = _p(1.5, 0.0, 40.0, "logit", "success per unit of self-efficacy", "acting")
    success_support: float = _p(1.5, 0.0, 40.0, "logit", "success per unit of connectedness", "acting")
    success_adversity: float = _p(2.0, 0.0, 40.0, "logit", "success lost per unit of adversity", "acting")
    mastery_gain: float = _p(0.125, 0.0, 1.0, "share", "self-efficacy gain after a success", "acting")
    failure_cost: float = _p(
        0.1, 0.0, 1.0, "share", "self-efficacy loss after a failure, times (1 - safety)", "acting"
    )
    values_gain: float = _p(
        0.12, 0.0, 1.0, "share", "meaning from the values session, times safety", "acting"
    )

    # --- sprouts to change --------------------------------------------------------------------
    sprout_realise_rate: float = _p(
        0.03, 0.0, 1.0, "1/week", "chance a sprout becomes a realised change, unsupported", "sprouts"
    )
    sprout_wither_rate: float = _p(
        0.0225, 0.0, 1.0, "1/week", "chance a sprout withers, unsupported, no adversity", "sprouts"
    )
    sprout_support_gain: float = _p(
        1.75, 0.0, 10.0, "factor", "speed-up of realising per unit of support", "sprouts"
    )
    sprout_wither_adversity: float = _p(
        1.75, 0.0, 10.0, "factor", "extra withering per unit of adversity", "sprouts"
    )
    realised_gain: float = _p(
        0.08, 0.0, 1.0, "share", "self-efficacy, meaning and hope gain per realised change", "sprouts"
    )

    # --- dropout ------------------------------------------------------------------------------
    dropout_intercept: float = _p(-2.0, -40.0, 40.0, "logit", "leaving log-odds at zero drivers", "dropout")
    dropout_connectedness: float = _p(3.0, 0.0, 40.0, "logit", "per unit of connectedness", "dropout")
    dropout_safety: float = _p(2.5, 0.0, 40.0, "logit", "per unit of safety", "dropout")
    dropout_misfit: float = _p(
        3.0, 0.0, 40.0, "logit", "per unit of perceived difference from the group", "dropout"
    )
    dropout_value: float = _p(3.0, 0.0, 40.0, "logit", "per unit of gain in hope and self-image", "dropout")

    # --- companionship and bridging -----------------------------------------------------------
    uptake_base: float = _p(0.3, 0.0, 1.0, "prob", "companionship uptake of completers", "companionship")
    uptake_covid: float = _p(
        0.55, 0.0, 1.0, "factor", "uptake under COVID restrictions, relative", "companionship"
    )
    bridge_rate: float = _p(
        0.045, 0.0, 1.0, "1/week", "bridging built per week of companionship", "companionship"
    )
    bridge_covid: float = _p(
        0.35, 0.0, 1.0, "factor", "bridging under COVID restrictions, relative", "companionship"
    )
    network_bridge: float = _p(0.025, 0.0, 1.0, "share", "bridging from the network session", "companionship")
    companion_support: float = _p(
        0.6, 0.0, 1.0, "0-1", "support to sprouts from a companion", "companionship"
    )
    uptake_hope_base: float = _p(
        0.625, 0.0, 2.0, "factor", "uptake factor at zero hope (uptake times base + hope)", "companionship"
    )

    # --- background (both arms) ---------------------------------------------------------------
    natural_recovery: float = _p(0.003, 0.0, 0.1, "1/week", "drift of hope etc. toward 1", "background")
    regression_rate: float = _p(0.015, 0.0, 0.5, "1/week", "pull of states back to baseline", "background")
    life_event_rate: float = _p(
        0.0275, 0.0, 0.5, "prob/week", "life events at adversity 1 / life_event_adversity", "background"
    )
    life_event_adversity: float = _p(
        2.0, 0.0, 10.0, "factor", "life-event rate per unit of adversity, relative", "background"
    )
    life_event_hit: float = _p(
        0.09, 0.0, 1.0, "share", "hope and self-efficacy lost in a life event", "background"
    )

    # --- measurement (QPR-15) -----------------------------------------------------------------
    qpr_scale: float = _p(
        1.6, 0.1, 5.0, "factor", "stretch of recovery onto the QPR item scale", "measurement"
    )
    qpr_centre: float = _p(
        0.425, 0.0, 1.0, "0-1", "recovery that maps to the middle of the QPR scale", "measurement"
    )
    qpr_occasion_noise: float = _p(0.1, 0.0, 1.0, "0-1 sd", "occasion-level measurement noise", "measurement")
    qpr_item_noise: float = _p(0.25, 0.0, 1.0, "0-1 sd", "item-level measurement noise", "measurement")
    recovery_weight_connectedness: float = _p(
        1.25, 0.1, 10.0, "weight", "CHIME connectedness (1 - loneliness) in recovery", "measurement"
    )
    recovery_weight_hope: float = _p(1.25, 0.1, 10.0, "weight", "CHIME hope in recovery", "measurement")
    recovery_weight_identity: float = _p(
        1.25, 0.1, 10.0, "weight", "CHIME identity (self-image) in recovery", "measurement"
    )
    recovery_weight_meaning: float = _p(1.25, 0.1, 10.0, "weight", "CHIME meaning in recovery", "measurement")
    recovery_weight_empowerment: float = _p(
        1.25, 0.1, 10.0, "weight", "CHIME empowerment (read as self-efficacy) in recovery", "measurement"
    )
    firing_threshold: float = _p(
        0.0125, 0.0, 0.2, "0-1", "smallest change in a state that counts as a mechanism firing", "measurement"
    )

    # --- programme theory ----------------------------------------------------------------------
    theory: str = _p(
        "seed",
        doc="programme theory: the mechanism forms (peersim.THEORIES)",
        group="theory",
        choices=THEORY_NAMES,
        structural=True,
    )
    attention_gain: float = _p(
        0.04, 0.0, 1.0, "per session", "common factors: hope per session attended", "theory"
    )
    dropout_intercept_rival: float = _p(
        -4.0, -40.0, 40.0, "logit", "rivals' dropout: leaving log-odds at zero drivers", "theory"
    )
    upward_self_image_gain: float = _p(
        0.075, 0.0, 1.0, "per gap", "upward comparison: self-image from a similar better-off", "theory"
    )

    # --- switches -----------------------------------------------------------------------------
    disabled_mechanisms: tuple = _p(
        (), doc="mechanisms switched off (knock-outs)", group="switches", structural=True
    )

    def __init__(self, **values: Any) -> None:
        known = _FIELDS
        for name in values:
            if name not in known:
                raise ValueError(_unknown_message(name))
        for name, spec in known.items():
            value = values.get(name, spec.default)
            object.__setattr__(self, name, _validate(name, spec, value))

    # --- conveniences -------------------------------------------------------------------------
    def replace(self, **changes: Any) -> Params:
        """A new validated Params with ``changes`` applied."""
        return Params(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **changes})

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON/TOML-friendly values (session plan as a list of dicts)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "session_plan":
                value = [s.to_dict() for s in value]
            elif f.name == "disabled_mechanisms":
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Params:
        return cls(**dict(values))

    def enabled(self, mechanism: str) -> bool:
        return mechanism not in self.disabled_mechanisms

    @property
    def equality(self) -> float:
        """How equal the facilitators are seen ("no one higher on the ladder"), 0–1."""
        role = choose(self.facilitator_role == "volunteer", 1.0, self.paid_equality)
        setting = choose(self.setting == "civil_society", 1.0, self.service_equality)
        return role * setting


_FIELDS = {f.name: f for f in fields(Params)}


def structural() -> tuple[str, ...]:
    """Parameters marked ``structural``: they change array shapes or which phases run, so runs that
    differ in them go to separate kernel batches (in field order)."""
    return tuple(name for name, f in _FIELDS.items() if f.metadata["structural"])


def default(name: str) -> Any:
    """The default value of parameter ``name`` (from its field)."""
    return _FIELDS[name].default


def valid_range(name: str) -> tuple[Any, Any]:
    """The valid range (lo, hi) of parameter ``name``; (None, None) when it has none."""
    meta = _FIELDS[name].metadata
    return meta["lo"], meta["hi"]


def carried_by() -> dict[str, tuple[str, ...]]:
    """For each switch that acts through other parameters (its ``carries`` metadata), those
    parameters: the effect of the switch is as well known as they are."""
    return {name: f.metadata["carries"] for name, f in _FIELDS.items() if f.metadata["carries"]}


#: The baseline coefficients of each state (kernel ``_initial_state``): intercept, per unit of
#: recovery stage, per unit of adversity, and relative to its own attribute (None: none). Written
#: out so that a search for a parameter's name finds where it is read.
BASELINE_PARAMS: dict[str, tuple[str, str, str, str | None]] = {
    "hope": ("baseline_hope_intercept", "baseline_hope_stage", "baseline_hope_adversity", None),
    "self_image": (
        "baseline_self_image_intercept",
        "baseline_self_image_stage",
        "baseline_self_image_adversity",
        "baseline_self_image_diagnosis",
    ),
    "self_efficacy": (
        "baseline_self_efficacy_intercept",
        "baseline_self_efficacy_stage",
        "baseline_self_efficacy_adversity",
        None,
    ),
    "meaning": (
        "baseline_meaning_intercept",
        "baseline_meaning_stage",
        "baseline_meaning_adversity",
        "baseline_meaning_employed",
    ),
    "loneliness": (
        "baseline_loneliness_intercept",
        "baseline_loneliness_stage",
        "baseline_loneliness_adversity",
        "baseline_loneliness_lives_alone",
    ),
}


def _unknown_message(name: str) -> str:
    near = get_close_matches(str(name), list(_FIELDS), n=1, cutoff=0.5)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"unknown parameter {show(name)}{hint} (`peersim params` lists them all)"


def show(value: Any, limit: int = 60) -> str:
    """A value as it goes in a one-line error: its repr, shortened (huge numbers, deep nesting and
    long strings included; never raises)."""
    try:
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 180:
            digits = len(str(abs(value))) if value.bit_length() < 13000 else "huge"
            return f"a {digits}-digit {'negative ' if value < 0 else ''}number"
        text = repr(value)
    except (RecursionError, ValueError, TypeError, AttributeError):
        return f"a {type(value).__name__} too deep or large to show"
    except Exception:
        return f"a {type(value).__name__}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _kind(spec) -> str:
    t = spec.type if isinstance(spec.type, str) else spec.type.__name__
    return t


def _validate(name: str, spec, value: Any) -> Any:
    """The valid value of parameter ``name``, or a one-line ValueError naming it (whatever the value:
    infinities, huge or deep ones, wrong types)."""
    try:
        return _validate_value(name, spec, value)
    except ValueError as error:  # ours, one line; a stray one (e.g. a huge int's repr) too
        raise ValueError(_one_line(str(error))[:500] or f"{name} = {show(value)} is not valid") from None
    except (TypeError, OverflowError, RecursionError, AttributeError, KeyError):
        raise ValueError(f"{name} = {show(value)} is not a valid value") from None


def _validate_value(name: str, spec, value: Any) -> Any:
    meta = spec.metadata
    kind = _kind(spec)
    if name == "session_plan":
        return _validate_plan(value)
    if name == "disabled_mechanisms":
        return _validate_mechanisms(value)
    if kind == "bool":
        if isinstance(value, np.bool_):  # numpy's booleans are booleans too
            value = bool(value)
        if not isinstance(value, bool):
            raise ValueError(f"{name} = {show(value)} must be true or false")
        return value
    if kind == "str":
        if not isinstance(value, str) or value not in meta["choices"]:
            near = (
                get_close_matches(str(value), meta["choices"], n=1, cutoff=0.4)
                if isinstance(value, str)
                else []
            )
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(
                f"{name} = {show(value)} is not valid; choose one of {', '.join(meta['choices'])}{hint}"
            )
        return str(value)
    valid = f"({meta['lo']} to {meta['hi']})"
    # numbers of any kind (numpy's included, as Python numbers); never booleans
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} = {show(value)} must be a number {valid}")
    if isinstance(value, numbers.Integral):
        value = int(value)
    elif not math.isfinite(value):
        raise ValueError(f"{name} = {show(value)} must be a finite number {valid}")
    if kind == "int":
        if not isinstance(value, int):
            if not float(value).is_integer():
                raise ValueError(f"{name} = {show(value)} must be a whole number {valid}")
            value = int(value)
    elif isinstance(value, int) and abs(value) > 2**53:  # beyond any range here: no float overflow
        pass
    else:
        value = float(value)
    if not meta["lo"] <= value <= meta["hi"]:
        raise ValueError(
            f"{name} = {show(value)} is out of range; valid range is {meta['lo']} to {meta['hi']}"
            + (f" ({meta['unit']})" if meta["unit"] else "")
        )
    return value


def _validate_plan(value: Any) -> tuple[Session, ...]:
    if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
        raise ValueError("session_plan must be a list of sessions (mappings with title and themes)")
    try:
        plan = tuple(Session.from_value(s) for s in value)
    except (TypeError, OverflowError, RecursionError):
        raise ValueError(
            "session_plan: each session must be a mapping with 'title' and 'themes' (name = number)"
        ) from None
    if not plan:
        raise ValueError("session_plan must hold at least one session")
    return plan


def _validate_mechanisms(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if isinstance(value, bytes | Mapping) or not hasattr(value, "__iter__"):
        raise ValueError("disabled_mechanisms must be a list of mechanism names")
    known = _registry.names()
    out = []
    for name in value:
        if not isinstance(name, str) or name not in known:
            near = get_close_matches(name, known, n=1, cutoff=0.5) if isinstance(name, str) else []
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(
                f"disabled_mechanisms: unknown mechanism {show(name)}{hint} (mechanisms: {', '.join(known)})"
            )
        if name not in out:
            out.append(name)
    return tuple(sorted(out, key=known.index))
