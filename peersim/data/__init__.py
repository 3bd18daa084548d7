"""Data and its loaders: the evidence register (evidence.toml), the calibration targets
(targets.toml) and the shipped posterior (posterior.csv).

Layer 1: imports core only (docs/architecture.md).
"""
