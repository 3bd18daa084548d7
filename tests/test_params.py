"""Params: defaults, validation with helpful messages, replace, round trips."""

from __future__ import annotations

import math
from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peersim import MECHANISMS, PEER_PLAN, Params, Session
from peersim.core.plan import plan_for

REQUIRED = (
    "group_size",
    "n_sessions",
    "follow_up_weeks",
    "setting",
    "facilitator_role",
    "facilitator_skill",
    "group_rules",
    "anonymity",
    "covid_restrictions",
    "companionship_offered",
    "case_worker_support",
    "disabled_mechanisms",
)


def test_defaults_are_the_peer_civil_society_course():
    p = Params()
    for name in REQUIRED:
        assert hasattr(p, name)
    assert (p.group_size, p.n_sessions, p.n_facilitators) == (8, 10, 2)
    assert p.setting == "civil_society" and p.facilitator_role == "volunteer"
    assert p.session_plan == PEER_PLAN and len(PEER_PLAN) == 10
    assert p.disabled_mechanisms == ()


def test_unknown_name_suggests_the_nearest():
    with pytest.raises(ValueError, match=r"unknown parameter 'grup_size'; did you mean 'group_size'\?"):
        Params(grup_size=10)


def test_out_of_range_names_parameter_and_range():
    with pytest.raises(
        ValueError, match=r"facilitator_skill = 1.5 is out of range; valid range is 0.0 to 1.0"
    ):
        Params(facilitator_skill=1.5)
    with pytest.raises(ValueError, match=r"group_size = 40 is out of range; valid range is 2 to 24"):
        Params(group_size=40)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_size": 8.5}, "whole number"),
        ({"group_size": True}, "must be a number"),
        ({"facilitator_skill": "high"}, "must be a number"),
        ({"facilitator_skill": math.nan}, "finite"),
        ({"group_rules": 1}, "true or false"),
        ({"setting": "ngo"}, "choose one of civil_society, mental_health_service"),
        ({"facilitator_role": "payed"}, "did you mean 'paid'"),
        ({"disabled_mechanisms": ("sharng",)}, "did you mean 'sharing'"),
        ({"session_plan": []}, "at least one session"),
        ({"session_plan": [{"title": "x", "themes": {"hopes": 1.0}}]}, "unknown theme 'hopes'"),
        ({"session_plan": [{"title": "x", "themes": {"action": 2.0}}]}, "valid range is 0 to 1"),
        ({"session_plan": "PEER"}, "list of sessions"),
    ],
)
def test_bad_values_raise_value_error_naming_the_problem(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Params(**kwargs)


def test_frozen_and_replace_validates():
    p = Params()
    with pytest.raises(AttributeError):
        p.group_size = 9  # type: ignore[misc]
    q = p.replace(group_size=10, disabled_mechanisms=["sharing", "safety"])
    assert q.group_size == 10 and p.group_size == 8
    assert q.disabled_mechanisms == ("safety", "sharing")  # kept in MECHANISMS order
    with pytest.raises(ValueError):
        p.replace(group_size=1)


def test_dict_round_trip():
    p = Params(group_size=6, covid_restrictions=True, disabled_mechanisms=("comparison",))
    d = p.to_dict()
    assert isinstance(d["session_plan"], list) and isinstance(d["session_plan"][0], dict)
    assert Params.from_dict(d) == p


def test_describe_covers_every_parameter():
    from peersim.data.register import describe

    rows = describe()
    assert [r["name"] for r in rows] == [f.name for f in fields(Params)]
    assert all(r["meaning"] for r in rows)


def test_plan_for_keeps_the_close_last():
    assert plan_for(PEER_PLAN, 10) == PEER_PLAN
    six = plan_for(PEER_PLAN, 6)
    assert six[-1].title == "Close" and six[:5] == PEER_PLAN[:5]
    long = plan_for(PEER_PLAN, 20)
    assert len(long) == 20 and long[-1].title == "Close" and long[:9] == PEER_PLAN[:9]
    # the extra sessions repeat the practice block (sessions 5-9), not the rules and sharing ones
    assert long[9:19] == PEER_PLAN[4:9] * 2
    assert plan_for(PEER_PLAN, 1) == (PEER_PLAN[-1],)
    assert plan_for((Session("only"),), 3) == (Session("only"),) * 3


def _numeric_fields():
    return [f for f in fields(Params) if f.metadata["lo"] is not None]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_in_range_value_is_accepted_and_outside_rejected(data):
    f = data.draw(st.sampled_from(_numeric_fields()))
    lo, hi = f.metadata["lo"], f.metadata["hi"]
    if f.type == "int":
        value = data.draw(st.integers(lo, hi))
        outside = data.draw(st.sampled_from([lo - 1, hi + 1]))
    else:
        value = data.draw(st.floats(lo, hi, allow_nan=False))
        outside = data.draw(st.sampled_from([lo - 0.5, hi + 0.5]))
    assert getattr(Params(**{f.name: value}), f.name) == value
    with pytest.raises(ValueError, match=f.name):
        Params(**{f.name: outside})


def test_mechanism_names_are_public():
    # the count is not pinned: tests/test_mechanism_contract.py checks the registry and schedule agree
    assert MECHANISMS[0] == "attendance" and MECHANISMS[-1] == "companionship"


def test_parameters_read_by_name_exist():
    """The explicit name maps (baseline coefficients, population draws) name real parameters, and
    every baseline-group parameter is read through them."""
    from dataclasses import fields as _fields

    from peersim.core.params import BASELINE_PARAMS
    from peersim.core.population import ATTRIBUTE_PARAM, DIFFERENCE_PARAM

    names = {f.name for f in _fields(Params)}
    baseline = {n for row in BASELINE_PARAMS.values() for n in row if n}
    assert baseline <= names
    assert baseline == {f.name for f in _fields(Params) if f.metadata["group"] == "baseline"}
    assert set(ATTRIBUTE_PARAM.values()) <= names
    assert set(DIFFERENCE_PARAM.values()) <= names


def test_structural_and_carries_metadata():
    """The batching rule and the switches' carriers are parameter metadata; the old names are
    derived from it and hold what they held before."""
    from peersim.core.params import carried_by, structural
    from peersim.core.sets import STRUCTURAL
    from peersim.stats.uncertainty import CARRIED_BY

    assert (
        set(STRUCTURAL)
        == set(structural())
        == {
            "group_size",
            "n_facilitators",
            "n_sessions",
            "follow_up_weeks",
            "session_plan",
            "disabled_mechanisms",
            "control_arm",
            "theory",
        }
    )
    assert carried_by() == CARRIED_BY
    assert CARRIED_BY["setting"] == ("service_equality", "safety_service_distrust", "service_distance")
    assert len(CARRIED_BY) == 9
    names = {f.name for f in fields(Params)}
    assert all(set(c) <= names for c in CARRIED_BY.values())


def test_a_plan_cut_or_stretched_by_n_sessions_names_the_sessions_kept():
    from peersim.core.plan import PEER_PLAN, plan_change, plan_for

    assert plan_change(PEER_PLAN, 10) == ""
    six = plan_change(PEER_PLAN, 6)
    assert six.startswith("n_sessions = 6 shortens the 10-session plan: the course keeps sessions 1-5")
    assert "and the close (10 Close)" in six and "drops 6 Your network" in six
    assert "9 From dreaming to doing" in six and "5 Chances" not in six
    # it says what plan_for does
    assert [s.title for s in plan_for(PEER_PLAN, 6)] == [*(s.title for s in PEER_PLAN[:5]), "Close"]
    assert "repeats sessions 5-6 (2 extra sessions)" in plan_change(PEER_PLAN, 12)
