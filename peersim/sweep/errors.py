"""The sweep layer's error: one line naming the problem (the CLI prints it and exits 2).

Below every other module of the layer, so that the spec and the readers of a results folder
(metadata.py), which build on each other, can both raise it."""

from __future__ import annotations


class SpecError(ValueError):
    """A problem with an experiment spec or a results folder (one line, names the problem)."""
