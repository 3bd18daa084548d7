"""Exact behaviour of each mechanism on small scripted groups (in the spirit of Axelrod's tests).

Extreme logits (±30) make a decision certain, so the expected numbers can be computed by hand.
These tests hold by construction on purpose: they pin each mechanism's equations (as written in
its docstring and docs/ODD.md, Section 7), so a change to a formula cannot pass unnoticed. What
the mechanisms produce together is tested in tests/test_patterns.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from peersim import Params
from peersim.core import mechanisms as m
from peersim.core.kernel import Kernel
from peersim.core.state import CHANNELS

from .conftest import scripted_kernel

ALWAYS, NEVER = 20.0, -20.0  # logits: p within 2e-9 of 1 or 0


def sharer_and_silent(**params):
    """Member 0 always shares (no vulnerability); member 1 never does (full vulnerability)."""
    return scripted_kernel(
        [{"sharing_vulnerability": 0.0}, {"sharing_vulnerability": 1.0}],
        share_intercept=ALWAYS,
        share_safety=0.0,
        share_connectedness=0.0,
        share_modelling=0.0,
        share_norms=0.0,
        share_vulnerability=2 * ALWAYS,
        facilitator_disclosure=0.0,
        absence_base=0.0,
        absence_adversity=0.0,
        **params,
    )


def test_sharer_and_silent_member_ties_follow_exactly():
    k = sharer_and_silent(dropout_intercept=NEVER, heard_rate=0.2, tie_rate=0.5, mishandle_rate=0.0)
    st = k.state
    safety0 = st.safety.copy()
    k.step()  # session 1
    assert st.shared[0, :2].tolist() == [True, False]
    assert st.shared_sessions[0].tolist() == [1, 0]
    p = k.params
    # safety after session 1 (both present; rules agreed in session 1; nobody shared before)
    target = np.clip(
        p.safety_base
        + p.safety_skill_weight * (p.facilitator_skill - 0.5)
        + p.safety_rules_weight
        + p.safety_anonymity_weight * 0.5
        - p.safety_size_weight * (2 - 8) / 8,
        0,
        1,
    )
    expected_safety = safety0 + p.safety_rate * (target - safety0)
    np.testing.assert_allclose(st.safety, expected_safety)
    # the silent member (1) heard the sharer (0): tie_rate * safety_1 * similarity (alike: 1)
    s = st.safety[0]
    assert st.ties[0, 1, 0] == pytest.approx(0.5 * s[1])
    # the sharer was heard by the silent member and by both facilitators: heard_rate * safety_0
    assert st.ties[0, 0, 1] == pytest.approx(0.2 * s[0])
    sim_fac = 1.0 - k.group.difference[0, 0, 2]
    assert st.ties[0, 0, 2] == pytest.approx(0.2 * s[0] * sim_fac)
    # facilitators did not share (disclosure 0): the silent member has no tie to them
    assert st.ties[0, 1, 2:].tolist() == [0.0, 0.0]
    # connectedness is the mean tie over the three other members
    np.testing.assert_allclose(st.connectedness[0], st.ties[0].sum(axis=1) / 3)


def test_silent_member_shares_nothing_and_is_not_punished_for_it():
    k = sharer_and_silent(dropout_intercept=NEVER)
    k.run()
    st = k.state
    assert st.shared_sessions[0].tolist() == [k.params.n_sessions, 0]
    assert not st.dropped.any()
    # not sharing carries no penalty: the silent member's safety still rises
    assert st.safety[0, 1] > k.snapshots["baseline"].values["safety"][0, 1]


def test_member_without_ties_leaves_more_often():
    """Member 0 shares but hears nobody (the other never shares, facilitators are silent) and
    gains nothing from being heard (heard_rate 0), so has no ties; member 1 hears member 0 every
    week. With the same modest hazard otherwise, the member without ties leaves more often."""
    left = {0: 0, 1: 0}
    for seed in range(100):
        k = scripted_kernel(
            [{"sharing_vulnerability": 0.0}, {"sharing_vulnerability": 1.0}],
            seed=seed,
            share_intercept=ALWAYS,
            share_vulnerability=2 * ALWAYS,
            heard_rate=0.0,
            tie_rate=1.0,
            dropout_connectedness=15.0,
            dropout_intercept=-1.0,
            dropout_value=0.0,
            dropout_misfit=0.0,
            absence_base=0.0,
            absence_adversity=0.0,
            facilitator_disclosure=0.0,
        )
        k.run()
        for i in (0, 1):
            left[i] += int(k.state.dropped[0, i])
    assert left[0] > left[1] + 15


def test_dropouts_never_return_and_keep_their_session():
    k = scripted_kernel([{}, {}, {}], dropout_intercept=ALWAYS, absence_base=0.0, absence_adversity=0.0)
    k.run()
    st = k.state
    assert st.dropped.all()
    assert st.dropout_session[0].tolist() == [1, 1, 1]
    assert st.sessions_attended[0].tolist() == [1, 1, 1]


def test_nobody_leaves_when_dropout_is_switched_off():
    k = scripted_kernel([{}, {}, {}], dropout_intercept=ALWAYS, disabled_mechanisms=("dropout",))
    k.run()
    assert not k.state.dropped.any()
    assert k.activations[CHANNELS.index("dropout")].sum() == 0


def test_mishandled_moment_drops_everyones_safety():
    # zero skill, rate 1, mean adversity 0.5: p = 1 * 1 * (0.5 + 0.5) = 1
    k = scripted_kernel(
        [{}, {}],
        facilitator_skill=0.0,
        mishandle_rate=1.0,
        mishandle_drop=0.5,
        absence_base=0.0,
        absence_adversity=0.0,
    )
    st = k.state
    ctx = k.context(1)
    st.present = np.ones_like(st.present)
    before = st.safety.copy()
    update = m.safety.run(st, ctx)
    target = m.safety.target(st, ctx)
    moved = before + k.params.safety_rate * (target - before)
    np.testing.assert_allclose(update.changes["safety"], moved * 0.5)
    assert update.changes["mishandled"].tolist() == [True]


def test_employed_member_among_unemployed_gains_self_image_by_downward_comparison():
    """ "Others are worse off": an employed member hears unemployed members share."""
    rows = [{"employed": 1, "recovery_stage": 0.6}] + [{"employed": 0, "recovery_stage": 0.2}] * 3
    k = scripted_kernel(rows, comparison_margin=0.1, down_gain=0.1, down_mood_cost=0.0)
    st = k.state
    ctx = k.context(1)
    st.present = np.ones_like(st.present)
    st.safety = np.full_like(st.safety, 0.8)
    st.shared = np.array([[False, True, True, True, False, False]])
    before = st.self_image.copy()
    update = m.comparison.run(st, ctx)
    p = Params()
    gap = (p.standing_stage * 0.6 + p.standing_work) - p.standing_stage * 0.2
    difference = p.difference_employed + p.difference_stage * 0.4
    d = 3 * (1 - difference) * gap  # three worse-off sharers, perceived similarity 1 - difference
    expected = before[0, 0] + 0.1 * 0.8 * d * (1 - before[0, 0])
    assert update.changes["self_image"][0, 0] == pytest.approx(expected)
    assert update.extra_fired["comparison_down"][0].tolist() == [True, False, False, False]
    # the unemployed listeners compare upward with each other's equals only: no self-image change
    np.testing.assert_allclose(update.changes["self_image"][0, 1:], before[0, 1:])


def test_dissimilar_better_off_sharer_discourages_and_similar_one_inspires():
    rows = [
        {"recovery_stage": 0.1},
        {"recovery_stage": 0.9, "employed": 1, "age": 70},
        {"recovery_stage": 0.6},
    ]
    k = scripted_kernel(rows, assimilation_threshold=0.6, up_contrast=0.2, up_inspire=0.2)
    st = k.state
    st.present = np.ones_like(st.present)
    st.safety = np.ones_like(st.safety)
    st.shared = np.array([[False, True, False, False, False]])  # only the far-off member shares
    update = m.comparison.run(st, k.context(1))
    assert update.changes["self_image"][0, 0] < st.self_image[0, 0]  # contrast
    assert update.changes["hope"][0, 0] == st.hope[0, 0]
    st.shared = np.array([[False, False, True, False, False]])  # a similar, better-off member shares
    update = m.comparison.run(st, k.context(1))
    assert update.changes["hope"][0, 0] > st.hope[0, 0]  # inspiration
    assert update.extra_fired["comparison_up"][0, 0]
    # "both those who are well, but also those who are worse off, might change one's self-image":
    # the similar better-off sharer raises self-image too, by up_self_image * U
    u = st.similarity[0, 0, 2] * (k.group.standing[0, 2] - k.group.standing[0, 0])
    x = st.self_image[0, 0]
    assert update.changes["self_image"][0, 0] == pytest.approx(x + k.params.up_self_image * u * (1 - x))
    assert not update.extra_fired["comparison_down"][0, 0]  # upward, not downward


def test_the_upward_rival_lifts_self_image_once_a_session_from_its_best_role_model():
    """The upward-comparison rival's self-image gain is one lift a session, from the most
    inspiring similar better-off sharer (similarity x gap), as inspiration's lift of hope: a second,
    less inspiring role model sharing the same session adds nothing."""
    rows = [{"recovery_stage": 0.1}, {"recovery_stage": 0.6}, {"recovery_stage": 0.4}]
    k = scripted_kernel(
        rows, theory="upward_comparison", assimilation_threshold=0.0, upward_self_image_gain=0.1
    )
    st = k.state
    st.present = np.ones_like(st.present)
    st.safety = np.ones_like(st.safety)
    x = st.self_image[0, 0]
    weight = st.similarity[0, 0, :3] * np.maximum(k.group.standing[0, :3] - k.group.standing[0, 0], 0)
    assert weight[1] > weight[2] > 0  # member 1 is the better role model
    st.shared = np.array([[False, True, False, False, False]])
    alone = m.comparison.run(st, k.context(1)).changes["self_image"][0, 0]
    assert alone == pytest.approx(x + 0.1 * weight[1] * (1 - x))
    st.shared = np.array([[False, True, True, False, False]])
    both = m.comparison.run(st, k.context(1)).changes["self_image"][0, 0]
    assert both == pytest.approx(alone)  # the second role model adds nothing in the same session


def test_role_modelling_hope_formula():
    k = scripted_kernel([{}, {}], role_model_gain=0.2, not_alone_gain=0.1, dreams_gain=0.0)
    st, p = k.state, k.params
    ctx = k.context(3)  # the role-models session
    st.present = np.array([[True, False]])
    st.safety = np.array([[0.5, 0.5]])
    st.shared = np.array([[False, True, True, False]])  # member 1 and one facilitator shared
    st.others_shared = np.array([[2 / 3, 0.0]])
    st.connectedness = np.array([[0.25, 0.0]])
    update = m.role_modelling.run(st, ctx)
    some = m.role_modelling.not_alone(ctx)[0, 0]  # whether member 0 is one of "some"
    up = 0.2 * 1.0 * p.equality * 0.5 + 0.1 * some * (2 / 3) * (1 - 0.25)
    h = st.hope[0, 0]
    assert update.changes["hope"][0, 0] == pytest.approx(h + 0.5 * up * (1 - h))
    assert update.changes["hope"][0, 1] == st.hope[0, 1]  # absent: nothing


def test_not_being_alone_gives_hope_to_some_and_wanes_with_connectedness():
    """The draw is the person's for the course (the same in every session), a share near
    not_alone_share are "some", and one who feels fully connected gains nothing from it."""
    k = scripted_kernel([{}] * 8, role_model_gain=0.0, not_alone_gain=0.1, dreams_gain=0.0)
    some = [m.role_modelling.not_alone(k.context(w)) for w in (1, 2, 9)]
    assert (some[0] == some[1]).all() and (some[0] == some[2]).all()
    many = Kernel(Params(not_alone_share=0.3), 1, np.arange(500), None)
    assert m.role_modelling.not_alone(many.context(1)).mean() == pytest.approx(0.3, abs=0.03)
    st = k.state
    st.present[:] = True
    st.safety[:] = 1.0
    st.others_shared[:] = 1.0
    st.connectedness[:] = 1.0
    ctx = k.context(2)  # no role-models or dreams theme
    np.testing.assert_array_equal(m.role_modelling.run(st, ctx).changes["hope"], st.hope)


def test_life_story_hurts_first_then_may_be_retold():
    """The sequence: telling hurts (story_hurt); in a safe, connected group it is retold at once
    (story_gain on the hurt value); otherwise it stays open and may be retold in a later session."""
    k = scripted_kernel([{}, {}], story_intercept=ALWAYS, story_gain=0.2, story_hurt=0.1)
    st = k.state
    st.present = np.array([[True, True]])
    st.shared = np.array([[True, False, False, False]])  # member 0 tells, member 1 does not
    before = st.self_image.copy()
    update = m.self_image.run(st, k.context(7))  # life stories
    x = before[0, 0] * (1 - 0.1)
    assert update.changes["self_image"][0, 0] == pytest.approx(x + 0.2 * (1 - x))
    assert update.changes["self_image"][0, 1] == before[0, 1]  # did not tell: unchanged
    assert update.fired[0].tolist() == [True, False]
    assert update.changes["story_open"][0].tolist() == [0.0, 0.0]  # retold: closed

    k = scripted_kernel([{}, {}], story_intercept=NEVER, story_gain=0.2, story_hurt=0.1)
    st = k.state
    st.present = np.array([[True, True]])
    st.shared = np.array([[True, True, False, False]])  # both tell; neither is retold now
    before = st.self_image.copy()
    k._apply(m.self_image.run(st, k.context(7)), st, "self_image")
    np.testing.assert_allclose(st.self_image, before * (1 - 0.1), rtol=1e-6)
    assert st.story_open[0].tolist() == [1.0, 1.0]
    # a later session: the group is now safe enough to retell; member 1 is absent and cannot
    k.params = k.params.replace(story_intercept=ALWAYS)
    st.present = np.array([[True, False]])
    hurt = st.self_image.copy()
    update = m.self_image.run(st, k.context(8))
    assert update.changes["self_image"][0, 0] == pytest.approx(hurt[0, 0] + 0.2 * (1 - hurt[0, 0]))
    assert update.changes["self_image"][0, 1] == hurt[0, 1]
    assert update.changes["story_open"][0].tolist() == [0.0, 1.0]
    # after the course nothing is retold
    assert m.self_image.run(st, k.context(k.params.n_sessions + 1)).changes == {}


def test_success_starts_a_sprout_and_builds_self_efficacy():
    k = scripted_kernel([{}, {}], attempt_intercept=ALWAYS, success_intercept=ALWAYS, mastery_gain=0.25)
    st = k.state
    st.present = np.array([[True, False]])
    before = st.self_efficacy.copy()
    update = m.acting.run(st, k.context(5))  # chances worth taking
    assert update.changes["sprouts"][0].tolist() == [1, 0]
    x = before[0, 0]
    assert update.changes["self_efficacy"][0, 0] == pytest.approx(x + 0.25 * (1 - x))
    assert update.fired[0].tolist() == [True, False]


def test_failure_costs_little_when_safe():
    k = scripted_kernel([{}, {}], attempt_intercept=ALWAYS, success_intercept=NEVER, failure_cost=0.5)
    st = k.state
    st.present = np.array([[True, False]])
    st.safety = np.array([[0.9, 0.9]])
    x = st.self_efficacy[0, 0]
    update = m.acting.run(st, k.context(5))
    assert update.changes["self_efficacy"][0, 0] == pytest.approx(x - 0.5 * 0.1 * x)
    assert update.changes["sprouts"][0, 0] == 0


def test_sprouts_become_change_one_a_week():
    k = scripted_kernel([{}, {}], sprout_realise_rate=1.0)
    st = k.state
    st.sprouts = np.array([[3, 0]], dtype=np.int16)
    for week in (11, 12, 13):
        k._apply(m.sprouts.run(st, k.context(week)), st, "sprouts")
    assert st.sprouts[0].tolist() == [0, 0] and st.realised[0].tolist() == [3, 0]


def test_sprouts_wither_without_support():
    k = scripted_kernel(
        [{"adversity": 1.0}, {}], sprout_realise_rate=0.0, sprout_wither_rate=1.0, case_worker_support=0.0
    )
    st = k.state
    st.sprouts = np.array([[2, 0]], dtype=np.int16)
    k._apply(m.sprouts.run(st, k.context(11)), st, "sprouts")
    assert st.sprouts[0, 0] == 1 and st.realised[0, 0] == 0


def test_companionship_uptake_and_bridging_under_covid():
    for covid in (False, True):
        k = scripted_kernel(
            [{}, {}], uptake_base=1.0, uptake_covid=0.0, companionship_weeks=4, bridge_rate=0.1
        )
        k.params = k.params.replace(covid_restrictions=covid)
        st = k.state
        st.hope = np.full_like(st.hope, 0.6)  # p = 1 * (0.5 + 0.6) >= 1 without restrictions
        st.dropped = np.array([[False, True]])
        update = m.companionship.run(st, k.context(k.params.n_sessions))
        takes = update.changes["companionship"][0].tolist()
        assert takes == ([False, False] if covid else [True, False])
        if not covid:
            k._apply(update, st, "companionship")
            for week in range(11, 16):
                k._apply(m.companionship.run(st, k.context(week)), st, "companionship")
            # four active weeks of bridging: 1 - 0.9^4
            assert st.bridging[0, 0] == pytest.approx(1 - 0.9**4)
            assert st.bridging[0, 1] == 0.0


def test_attendance_off_means_everyone_in_the_group_attends():
    k = scripted_kernel([{}, {}, {}], absence_base=0.5, disabled_mechanisms=("attendance",))
    st = k.state
    st.dropped = np.array([[False, True, False]])
    k._apply(m.attendance.off(st, k.context(1)), st, None)
    assert st.present[0].tolist() == [True, False, True]


def test_differences_theme_raises_perceived_similarity_for_those_present():
    k = scripted_kernel([{"age": 20}, {"age": 60}], differences_strength=0.5)
    st = k.state
    st.present = np.array([[True, False]])
    ctx = k.context(4)
    changes = m.connectedness.differences_theme(st, ctx)
    assert changes["difference_weight"][0].tolist() == [0.5, 1.0]
    assert changes["similarity"][0, 0, 1] > st.similarity[0, 0, 1]
