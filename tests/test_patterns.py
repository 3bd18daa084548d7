"""MODEL.md's patterns at the default parameters, each with its stated tolerance.

Patterns 1-6 and 8 are properties of the model's groups: runs of 3,000 groups (24,000
participants) keep sampling error far below the tolerances (the standard error of a dropout share
is about 0.003). Pattern 7 is what the PEER trial saw, so it is tested as the trial would see it:
200 virtual copies of the trial as run (``peersim.trial``, reading ``studies/peer_trial.toml``:
its arms and their sizes, PEER in groups against service as usual, recruitment waves with the
earliest under COVID-19 restrictions, missing outcomes, measurement error and its mixed model), so
the spread over copies is the trial's own sampling noise, and a tolerance is on the mean d or on
the share of virtual trials that find what the trial found.

The defaults are the priors' medians, the model before the data (docs/calibration.md, "Which
values to quote"): no default was fitted. Each test says what kind of check it is. *Emergent*: no
parameter was set or fitted to produce it, so it could fail. *A target*: the number is a target of
the calibration, so the posterior, not the defaults, is fitted to it (its predictive check is in
docs/calibration.md); at the defaults the test checks only that the model before the data lies
within the observation's own uncertainty. (Until issue 18 twelve defaults were fitted to these
targets and the tests checked that fit.)
*Built in*: it holds by construction of a mechanism's equations (at least its direction); such a
test only guards the code, and where a pattern is built in we test its emergent part instead.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

import peersim
from peersim import Params
from peersim.data.study import peer_trial
from peersim.stats.effects import Z95
from peersim.studies.trial import headline

RUNS, SEED = 3000, 20240
#: virtual copies of the PEER trial (pattern 7), and the share of them that must see what it saw
TRIALS, SIGNIFICANT_SHARE = 200, 0.5
#: the occasions the trial's analysis reads: baseline (its covariate) and the end of the course
WHEN = ("baseline", "end")


@cache
def run(**overrides):
    return peersim.simulate(Params(**overrides), runs=RUNS, seed=SEED)


def completer_gain(res, outcome: str) -> float:
    part = res.participants
    c = part[~part.dropped_out]
    return float((c[f"{outcome}_end"] - c[f"{outcome}_baseline"]).mean())


def gain(res, outcome: str) -> float:
    part = res.participants
    return float((part[f"{outcome}_end"] - part[f"{outcome}_baseline"]).mean())


def test_pattern_1_dropout_share_and_timing():
    """Share: a target (the literature's 20%, se 0.05); 10-30% is its own 95% range. Timing:
    emergent, since the hazard has no time term; it falls because ties, safety and the group's
    value grow."""
    part = run().participants
    rate = part.dropped_out.mean()
    assert 0.10 <= rate <= 0.30
    early = part.dropout_session.le(3).sum() / part.dropped_out.sum()
    assert early >= 0.6, "most dropouts leave after sessions 1-3"
    by_session = part.dropout_session.value_counts()
    assert by_session[1] > by_session[2] > by_session[3] > by_session.get(6, 0)


def test_pattern_2_leavers_are_less_connected_and_less_similar_at_the_same_session():
    """Built in, in direction: the hazard falls with connectedness and rises with misfit by
    construction. What the test adds is that the gap shows within every early session despite the
    other terms of the hazard (safety, the group's value) and chance."""
    s = peersim.simulate(Params(), runs=800, seed=SEED, record="sessions").sessions
    s = s[(s.week >= 1) & (s.week <= 3) & s.present]
    left_now = s.mech_dropout
    for col in ("connectedness", "similarity_to_group"):
        by_week = s.groupby(["week", left_now])[col].mean().unstack()
        # within every session, those who leave after it are below those who stay
        assert (by_week[True] < by_week[False]).all(), (col, by_week)


def test_pattern_3_safety_is_a_precondition():
    """Direction built in (safety scales sharing, tie growth, what is taken from comparison and
    role models, retelling, attempts and dropout); the sizes (sharing halves, dropout up by half,
    gains halve) are emergent."""
    base, ctrl = run(), run(control_arm=True)
    for knocked in (
        run(disabled_mechanisms=("safety",)),
        run(group_rules=False, anonymity=False, facilitator_skill=0.2),
    ):
        assert knocked.groups.share_rate.mean() <= 0.5 * base.groups.share_rate.mean(), "sharing collapses"
        assert knocked.participants.dropped_out.mean() >= 1.5 * base.participants.dropped_out.mean()
        for outcome in ("hope", "self_image"):
            net_base = gain(base, outcome) - gain(ctrl, outcome)
            net_knocked = gain(knocked, outcome) - gain(ctrl, outcome)
            assert net_knocked <= 0.5 * net_base, f"{outcome} gains largely vanish"


def test_pattern_4_completers_gain_through_sharing_comparison_and_role_modelling():
    """Gains of at least 0.05: emergent at the defaults (down_gain, role_model_gain, story_gain and
    mastery_gain are their priors' medians, fitted to nothing). That the three mechanisms carry
    them is largely built in (with sharing off nobody is heard, so neither comparison nor
    storytelling acts); that comparison and role modelling each carry a quarter or more is
    emergent."""
    base, ctrl = run(), run(control_arm=True)
    off = run(disabled_mechanisms=("sharing", "comparison", "role_modelling"))
    for outcome in ("hope", "self_image"):
        assert completer_gain(base, outcome) >= 0.05
        net_base = completer_gain(base, outcome) - completer_gain(ctrl, outcome)
        net_off = completer_gain(off, outcome) - completer_gain(ctrl, outcome)
        assert net_off <= 0.25 * net_base, f"{outcome}: knocking the three out removes the gain"
    # and each of comparison and role modelling carries part of it
    assert completer_gain(run(disabled_mechanisms=("comparison",)), "self_image") < 0.75 * completer_gain(
        base, "self_image"
    )
    assert completer_gain(run(disabled_mechanisms=("role_modelling",)), "hope") < 0.75 * completer_gain(
        base, "hope"
    )


def test_pattern_5_sprouts_at_week_10_grow_into_change_when_supported():
    """The share with a sprout and realised change below sprouts at week 10: emergent (attempt and
    success probabilities and the sprout rates are hand-set, not fitted to them). Growth in
    follow-up and support watering sprouts: built in, in direction (positive rates, support
    multiplies the rate); their sizes (x1.5, x1.2) are emergent."""
    part = run().participants
    c = part[~part.dropped_out]
    assert (c.sprouts_end > 0).mean() >= 0.5, "most completers have at least one sprout"
    assert c.realised_changes_end.mean() < c.sprouts_end.mean(), "realised change is lower"
    assert c.realised_changes_followup.mean() > 1.5 * c.realised_changes_end.mean(), "and keeps growing"
    unsupported = run(companionship_offered=False, case_worker_support=0.0).participants
    u = unsupported[~unsupported.dropped_out]
    assert c.realised_changes_followup.mean() > 1.2 * u.realised_changes_followup.mean(), "support waters"


def test_pattern_6_companionship_and_bridging_under_covid():
    """Uptake under restrictions: a target (the seed's 1 of 9 completers, se 0.105); at the
    defaults, the priors' medians, it must lie within the datum's own 95% range, 0.111 +- 2 se
    (the old bound, 0.05 to 0.15, checked the fit of defaults fitted to it). Bridging near zero
    under restrictions: emergent, tested apart (below). The ratio of uptakes without and with
    restrictions is not tested: it restates 1 / uptake_covid. Tested instead, what lifting the
    restrictions does downstream, which rests on uptake, bridging, companion support and the
    sprout rates together and could fail: bridging rises well above its level under
    restrictions, and completers are further on in recovery at follow-up."""
    covid = run(covid_restrictions=True).participants
    free = run().participants
    uptake_covid = covid[~covid.dropped_out].companionship.mean()
    assert 0.0 < uptake_covid <= 0.111 + 2 * 0.105, "low, as 1 of 9 completers"
    assert free.bridging_followup.mean() >= 0.05, "without restrictions bridging is clearly above zero"
    assert free.bridging_followup.mean() > 2 * covid.bridging_followup.mean(), "restrictions hold it down"
    c_free, c_covid = free[~free.dropped_out], covid[~covid.dropped_out]
    assert c_free.realised_changes_followup.mean() > c_covid.realised_changes_followup.mean()
    assert c_free.recovery_followup.mean() > c_covid.recovery_followup.mean()


@pytest.mark.xfail(
    strict=True,
    reason="known (issue 18): at the defaults, now the priors' medians (fitted to nothing), mean"
    " bridging at follow-up under restrictions is 0.055, just above the 0.05 this test calls near"
    " zero (0.024 with the earlier fitted defaults): uptake under restrictions is 0.17 of completers"
    " (the seed: 1 of 9) and bridge_covid's median 0.35. Bridging is not a calibration target; the"
    " seed's 'did not seem to be activated' is a pattern the model before the data misses narrowly",
)
def test_pattern_6_bridging_stays_near_zero_under_covid():
    """Emergent: no parameter is fitted to bridging. The seed: the bridging mechanisms "did not
    seem to be activated as anticipated" (Discussion), with companionship taken up by one
    interviewee under COVID-19 restrictions."""
    covid = run(covid_restrictions=True).participants
    assert covid.bridging_followup.mean() < 0.05, "bridging stays near zero"


# --- pattern 7: the PEER trial, as it was run ------------------------------------------------------
@cache
def virtual_trials():
    """TRIALS virtual copies of the PEER trial as run (``studies/peer_trial.toml``: its arms and
    their sizes, group size, recruitment waves with the earliest under COVID-19 restrictions,
    missing outcomes, measurement error and its analysis), at the defaults; copy k meets its own
    people. The spread over copies is the trial's own sampling noise."""
    return peersim.trial(seed=SEED, trials=TRIALS)


def analysed(outcome: str) -> pd.DataFrame:
    """The study's own analysis (for the PEER trial the partially nested mixed model, baseline-
    adjusted) of ``outcome`` in every virtual trial: one row per trial, d and its p-value."""
    result = virtual_trials()
    t = result.table
    return t[(t.analysis == result.study.analysis) & (t.outcome == f"{outcome}_end")]


def significant(rows: pd.DataFrame) -> pd.Series:
    """Whether each virtual trial found a significant effect in PEER's favour (p < 0.05), as the
    trial reports its findings."""
    return (rows.p_value < 0.05) & (rows.cohens_d > 0)


def test_pattern_7_virtual_trials_see_d_near_043_on_recovery():
    """A target: the trial's d = 0.43 (se 0.116) on the QPR-15 is fitted by the calibration, so at
    the defaults (fitted to nothing) the test checks only that the model before the data lies
    within the observation's own 95% range, value +- 1.96 se (0.20 to 0.66), both read from the
    study file. As the trial would see it: the mean over TRIALS virtual trials of the trial's own
    d (mixed model, measured QPR-15, observed outcomes), not a latent d on everyone; its Monte Carlo
    error is about 0.1 / sqrt(200) = 0.007."""
    observed = peer_trial().observations["trial_d_qpr"]
    d = analysed("qpr").cohens_d
    assert len(d) == TRIALS and d.notna().all()
    assert observed.value - Z95 * observed.se <= d.mean() <= observed.value + Z95 * observed.se, d.mean()


def test_pattern_7_virtual_trials_find_hope_and_self_efficacy_significant():
    """A target, as a bound: the trial found significant effects on hope and on general
    self-efficacy (exploratory outcomes), which the calibration fits as d >= 0.228 (the smallest
    d significant at the trial's arm sizes, unadjusted). At the defaults, fitted to nothing, the test asks the
    model before the data to find what the trial found, as the trial found it: a significant
    effect in PEER's favour (the trial's own mixed model, p < 0.05) in at least half of the
    virtual trials. Half, because then the trial's finding is what the median virtual trial finds:
    a model in which it were a lucky draw (a minority of trials) would not reproduce the pattern;
    more (say the conventional 80%) would ask the model to make the trial well powered for
    outcomes it calls exploratory (a trial is sized for its primary outcome). With 200 trials a
    share's Monte Carlo error is 0.035 at most. The direction is built in (no mechanism lowers
    hope or self-efficacy on balance); the size, and so the share, is not."""
    for outcome in ("hope", "self_efficacy"):
        share = significant(analysed(outcome)).mean()
        assert share >= SIGNIFICANT_SHARE, (outcome, share)


def test_pattern_7_virtual_trials_find_no_effect_on_social_relations():
    """Largely built in, a consistency check (and a target, as a bound, |d| < 0.228): the trial
    found no significant effect on social relations at the end of the course (Poulsen et al.
    2025), measured by a questionnaire of relations in the person's life
    (peersim.studies.virtual.social_relations: the own loneliness before the course relieved by
    bridging only). Bridging is what moves it, and the bridging parameters are sized so that
    bridging stays small during the course, as the seed reports it ("did not seem to be
    activated"): so the null follows from them, it does not emerge. As the trial would see it:
    most virtual trials (the same rule as for hope: more than half) find no significant
    difference in either direction; with no effect at all about 5% would. What the test does
    catch is a change that lets ties in the group leak into this outcome, or bridging grow during
    the course. (Before issue 18 it counted ties in the group, gave d = 0.26 and was a strict
    xfail.)"""
    rows = analysed("social_relations")
    assert (rows.p_value < 0.05).mean() < 1 - SIGNIFICANT_SHARE
    # ties in the group did grow: the same trials would have found an effect had the instrument
    # counted them (1 - loneliness at the end, measured with the questionnaire's own error)
    result = virtual_trials()
    people = result.participants
    error = {w: people[f"social_relations_{w}_measured"] - people[f"social_relations_{w}"] for w in WHEN}
    people = people.assign(**{f"inside_{w}_measured": 1 - people[f"loneliness_{w}"] + error[w] for w in WHEN})
    inside = headline(people, result.study, ["inside_end"], TRIALS)
    assert significant(inside).mean() >= SIGNIFICANT_SHARE


def test_pattern_8_cohesion_outcome_correlation_near_025():
    """Emergent: no parameter sets it and it is a held-out target (Burlingame et al. 2018)."""
    part = run().participants
    c = part[~part.dropped_out].copy()
    c["gain"] = c.recovery_end - c.recovery_baseline
    centred = c[["connectedness_end", "gain"]] - c.groupby("run")[["connectedness_end", "gain"]].transform(
        "mean"
    )
    r = centred.corr().iloc[0, 1]
    assert r == pytest.approx(0.25, abs=0.12)
