"""Realist analysis: ICAMO tables, knock-out contrasts, narratives and comparisons."""

from peersim.analysis.icamo import STRATA, format_icamo, icamo_table
from peersim.analysis.knockout import format_knockouts, knockouts
from peersim.analysis.stats import cluster_mean, paired_difference
from peersim.analysis.trial import TrialResult, effect, format_trial, trial

__all__ = [
    "STRATA",
    "TrialResult",
    "cluster_mean",
    "effect",
    "format_icamo",
    "format_knockouts",
    "format_trial",
    "icamo_table",
    "knockouts",
    "paired_difference",
    "trial",
]
