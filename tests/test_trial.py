"""Virtual trial: statistics against scipy on fixed data, and the trial's shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import peersim
from peersim import Params
from peersim.analysis.trial import effect, format_trial


def test_effect_matches_scipy_on_fixed_data():
    rng = np.random.default_rng(42)
    a = rng.normal(37.3, 12.0, 145)
    b = rng.normal(32.1, 12.0, 151)
    e = effect(a, b)
    welch = stats.ttest_ind(a, b, equal_var=False)
    low, high = welch.confidence_interval(0.95)
    assert e["difference"] == pytest.approx(a.mean() - b.mean())
    assert e["diff_low"] == pytest.approx(low) and e["diff_high"] == pytest.approx(high)
    assert e["p_value"] == pytest.approx(welch.pvalue)
    pooled = np.sqrt(((145 - 1) * a.var(ddof=1) + (151 - 1) * b.var(ddof=1)) / (145 + 151 - 2))
    d = (a.mean() - b.mean()) / pooled
    assert e["cohens_d"] == pytest.approx(d)
    se = np.sqrt((145 + 151) / (145 * 151) + d**2 / (2 * (145 + 151)))
    assert e["d_high"] - e["cohens_d"] == pytest.approx(1.959963984540054 * se)


def test_trial_arms_and_reproducibility():
    r = peersim.trial(Params(), n_per_arm=40, seed=3)
    itt = r.table[r.table.analysis == "intention to treat"]
    assert set(itt.n_peer) == {40} and set(itt.n_control) == {40}
    comp = r.table[r.table.analysis == "completers"]
    assert (comp.n_peer <= 40).all()
    again = peersim.trial(Params(), n_per_arm=40, seed=3)
    pd.testing.assert_frame_equal(r.table, again.table)
    assert "QPR-15" in format_trial(r)


def test_many_trials_give_a_distribution_of_d():
    r = peersim.trial(Params(covid_restrictions=True), n_per_arm=150, seed=11, trials=30)
    s = r.summary().set_index(["analysis", "outcome"])
    qpr = s.loc[("intention to treat", "qpr_end")]
    assert qpr.trials == 30 and 0.2 <= qpr.d_mean <= 0.66
    assert qpr["d_p2_5"] < qpr.d_mean < qpr["d_p97_5"]
    social = s.loc[("intention to treat", "social_relations_end")]
    assert abs(social.d_mean) < 0.15, "little or no effect on relations outside the group"


@pytest.mark.parametrize(("kwargs", "message"), [({"n_per_arm": 1}, "n_per_arm"), ({"trials": 0}, "trials")])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        peersim.trial(Params(), **kwargs)


def test_trial_k_is_the_same_whatever_the_number_of_trials():
    one = peersim.trial(Params(), n_per_arm=30, seed=5, trials=1).table
    three = peersim.trial(Params(), n_per_arm=30, seed=5, trials=3).table
    pd.testing.assert_frame_equal(one, three[three.trial == 0].reset_index(drop=True))


def test_each_arm_mean_has_its_95_interval():
    r = peersim.trial(Params(), n_per_arm=48, seed=9)
    t = r.table
    assert ((t.peer_low < t.mean_peer) & (t.mean_peer < t.peer_high)).all()
    assert ((t.control_low < t.mean_control) & (t.mean_control < t.control_high)).all()
    # the PEER arm's interval is over groups (its participants share one): check it by hand
    from peersim.analysis.stats import cluster_mean

    peer = peersim.simulate(Params(), runs=6, seed=9).participants
    row = t[(t.analysis == "intention to treat") & (t.outcome == "hope_end")].iloc[0]
    assert (row.mean_peer, row.peer_low, row.peer_high) == pytest.approx(
        cluster_mean(peer.hope_end, peer.run)[:3]
    )
    text = format_trial(r)
    line = next(x for x in text.splitlines() if x.strip().startswith("hope (0-1)"))
    assert f"{row.mean_peer:.3f} [{row.peer_low:.3f}, {row.peer_high:.3f}]" in line
    assert f"{row.mean_control:.3f} [{row.control_low:.3f}, {row.control_high:.3f}]" in line
    many = peersim.trial(Params(), n_per_arm=16, seed=9, trials=4)
    s = many.summary()
    assert {"peer_mean", "peer_p2_5", "peer_p97_5", "control_mean"} <= set(s.columns)
    assert "PEER" in format_trial(many)
