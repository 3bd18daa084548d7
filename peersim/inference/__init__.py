"""Inference: calibration (ABC), model choice between rival theories, held-out validation.

Layer 5: imports the layers below it only (docs/architecture.md).
"""
