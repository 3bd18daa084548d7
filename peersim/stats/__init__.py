"""Statistics over simulated tables: effect sizes and intervals, the partially nested mixed model,
the two parts of uncertainty, global sensitivity, scenario discovery.

Layer 3: imports core, data and run only (docs/architecture.md).
"""
