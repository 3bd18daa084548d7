"""Running scenarios: the batch engine, posterior draws per run, resource limits, progress.

Layer 2: imports core and data only (docs/architecture.md).
"""
