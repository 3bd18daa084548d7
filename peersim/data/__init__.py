"""Data shipped with peersim: the calibration targets (targets.toml)."""
