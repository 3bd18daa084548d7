"""Realist analysis: ICAMO tables, knock-out contrasts, narratives and comparisons."""

from .icamo import STRATA, format_icamo, icamo_table
from .knockout import format_knockouts, knockouts
from .stats import cluster_mean, paired_difference
from .trial import TrialResult, effect, format_trial, trial

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
