"""Realist analysis: ICAMO tables, knock-out contrasts, narratives and comparisons."""

from .icamo import STRATA, format_icamo, icamo_table
from .knockout import format_knockouts, knockouts
from .stats import cluster_mean, paired_difference

__all__ = [
    "STRATA",
    "cluster_mean",
    "format_icamo",
    "format_knockouts",
    "icamo_table",
    "knockouts",
    "paired_difference",
]
