"""The simulation core: parameters and their metadata, per-run values and batches, counter-based
random streams, the session plan, programme theories, the population, the state, the mechanisms,
the kernel (the schedule of one week) and the tables it yields.

Layer 0: imports nothing else of peersim (docs/architecture.md).
"""
