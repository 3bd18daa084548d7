"""The mechanisms, one module each: pure functions ``run(state, context) -> Update``.

Each module's docstring gives its equations, the evidence (seed theme and quote, or literature),
its ICAMO configuration, when it fires, and what switching it off means, and ends with its
``SPEC`` (see :mod:`peersim.core.mechanisms.registry`). The modules are loaded on first access,
so that ``core.params`` can read the registry's names without importing them (see the registry).
"""

import importlib

from peersim.core.mechanisms.registry import BUILTIN

#: The built-in mechanisms' modules (from the registry: nothing to add here), and the background
#: drift every week runs.
__all__ = sorted([name for name, _ in BUILTIN] + ["background"])


def __getattr__(name: str):
    if name in __all__ or name in ("registry", "pathways"):
        return importlib.import_module(f"peersim.core.mechanisms.{name}")
    raise AttributeError(name)
