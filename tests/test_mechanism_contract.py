"""The mechanism contract, checked for every registered mechanism (like scikit-learn's
check_estimator): pure, deterministic, respects its switch, touches only its declared states, and
keeps the 0-1 states in [0, 1]. ``check_mechanism`` raises AssertionError on a breach; the last
test registers a broken mechanism and shows the check catches it.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from peersim import Params
from peersim.core.kernel import Kernel
from peersim.core.mechanisms import registry
from peersim.core.mechanisms.registry import Mechanism
from peersim.core.state import STATES, Update


def _states_at(spec: Mechanism, params: Params, weeks=(1, 4, 11)):
    """(state, context) pairs the mechanism meets in a real run: the state just before its phase."""
    k = Kernel(params, 5, np.arange(3))
    seen = []
    orig = k._run_phase

    def spy(phase, st, ctx):
        if phase[0] == spec.name and st.week in weeks:
            seen.append((copy.deepcopy(st), ctx))
        orig(phase, st, ctx)

    k._run_phase = spy
    k.run()
    assert seen, f"{spec.name} never ran"
    return seen


def _equal(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[x], b[x]) for x in a)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _same_state(a, b) -> bool:
    return all(_equal(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))


def _same_update(a: Update | None, b: Update | None) -> bool:
    if a is None or b is None:
        return a is b
    return _equal(a.changes, b.changes) and _equal(a.fired, b.fired) and _equal(a.extra_fired, b.extra_fired)


def check_mechanism(spec: Mechanism, params: Params | None = None) -> None:
    params = params or Params()
    for st, ctx in _states_at(spec, params):
        for fn, label in ((spec.run, "run"), (spec.off, "off")):
            if fn is None:
                continue
            before = copy.deepcopy(st)
            first = fn(st, ctx)
            assert _same_state(st, before), f"{spec.name}.{label} mutated the State it was given"
            second = fn(copy.deepcopy(before), ctx)
            assert _same_update(first, second), f"{spec.name}.{label} is not deterministic"
            if first is None:
                continue
            extra = set(first.changes) - set(spec.writes)
            assert not extra, f"{spec.name}.{label} writes undeclared states {sorted(extra)}"
            fired = set(first.extra_fired) | ({spec.name} if first.fired is not None else set())
            assert fired <= set(spec.channels), f"{spec.name}.{label} fires undeclared channels"
            for name in STATES:
                if name in first.changes:
                    v = np.asarray(first.changes[name])
                    assert np.all((v >= 0) & (v <= 1)), f"{spec.name}.{label} moves {name} out of [0, 1]"
    # switched off: the mechanism's own run is not called, and its channels never fire
    off = Kernel(params.replace(disabled_mechanisms=(spec.name,)), 5, np.arange(3))
    off.run()
    for c in spec.channels:
        assert off.activations[off.channels.index(c)].sum() == 0, f"{spec.name} fires when off"


@pytest.mark.parametrize("name", registry.names())
def test_contract(name):
    check_mechanism(registry.get(name))


def _mutates_and_leaves_the_range(st, ctx):
    st.hope += 0.1  # mutates its input, writes an undeclared state, leaves [0, 1]
    return Update({"hope": st.hope + 2.0}, fired=st.present)


def _writes_undeclared(st, ctx):
    return Update({"hope": st.hope}, fired=st.present)


@pytest.mark.parametrize(
    ("run", "phase", "caught"),
    [
        (_mutates_and_leaves_the_range, "session", "mutated the State"),
        (_writes_undeclared, "weekly", "undeclared states"),
    ],
)
def test_the_check_catches_a_broken_mechanism(run, phase, caught):
    spec = registry.register(Mechanism(name=run.__name__, phase=phase, run=run, writes=()))
    try:
        with pytest.raises(AssertionError, match=caught):
            check_mechanism(spec)
    finally:
        registry.unregister(run.__name__)


def test_registry_and_schedule_agree():
    from peersim import MECHANISMS
    from peersim.core.kernel import session_phases, weekly_phases
    from peersim.core.state import CHANNELS

    scheduled = [p[0] for p in (*session_phases(), *weekly_phases()) if p[3] is not None]
    assert tuple(scheduled) == registry.names() == MECHANISMS
    assert registry.channels() == CHANNELS
    for name in MECHANISMS:
        assert registry.get(name).run.__module__ == f"peersim.core.mechanisms.{name}"


def test_the_kernel_docstring_lists_the_schedule_in_order():
    """The kernel's docstring is where a reader sees one week's phases: it must not drift from
    the schedule the registry builds."""
    import re

    from peersim.core import kernel

    table = kernel.__doc__.split("The schedule of one week")[1].split("Measurement")[0]
    listed = re.findall(r"^    ([a-z_]+) {2,}", table, flags=re.M)
    phases = [p[0] for p in (*kernel.session_phases(), *kernel.weekly_phases())]
    assert listed == phases
