"""Studies built on the engine: the virtual trial, knock-outs, ICAMO tables, discriminating patterns.

Layer 4: imports core, data, run and stats only (docs/architecture.md).
"""
