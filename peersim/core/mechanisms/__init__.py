"""The mechanisms, one module each: pure functions ``run(state, context) -> Update``.

Each module's docstring gives its equations, the evidence (seed theme and quote, or literature),
its ICAMO configuration, when it fires, and what switching it off means.
"""

from peersim.core.mechanisms import (
    acting,
    attendance,
    background,
    companionship,
    comparison,
    connectedness,
    dropout,
    role_modelling,
    safety,
    self_image,
    sharing,
    sprouts,
)

__all__ = [
    "acting",
    "attendance",
    "background",
    "companionship",
    "comparison",
    "connectedness",
    "dropout",
    "role_modelling",
    "safety",
    "self_image",
    "sharing",
    "sprouts",
]
