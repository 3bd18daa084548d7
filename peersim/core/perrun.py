"""Parameters that vary from run to run inside one batch.

The kernel advances R runs at once, with arrays that carry a leading run axis: (R,) per group,
(R, N) per participant, (R, N, M) per pair. A parameter may be one Python value for the whole batch
or a :class:`PerRun` column of R values, and the mechanisms are written once for both: a PerRun
broadcasts along the run axis of whatever array it meets, as a state does.

Why a class and not a plain (R, 1) array: a run's numbers must be the same, bit for bit, whether
its parameter is a Python number (a batch of one scenario) or one entry of a column (a batch of
many scenarios). numpy treats Python numbers as *weak* (NEP 50): ``0.395 * float32_array`` rounds
0.395 to float32 and stays float32, while a float64 array would make the result float64. A PerRun
follows the same rule: against an array it takes that array's precision (``np.result_type`` with a
Python scalar of its kind), against Python numbers and other PerRuns it computes in float64, as
Python does, and stays weak. An explicit ufunc call on it (``logit(p.x)``) gives a strong float64
PerRun, as numpy gives an np.float64 for a Python float. So the arithmetic of each run is exactly
the arithmetic of that run alone, and a hypothesis test (tests/test_sets.py) holds it to that.

Helpers for the few places where Python control flow meets a parameter:
``choose(cond, a, b)`` for ``a if cond else b``; ``any_run(x)`` for ``if x``; ``column(x, ndim,
dtype)`` for a numpy scalar of the model's dtype (``np.float32(x)``) that must broadcast.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_PROXY = {"f": 0.0, "i": 0, "u": 0, "b": False}
_ARRAYS = (np.ndarray, np.generic)
_NO_KWARGS: dict = {}
#: Largest state (elements) for which a parameter is laid out in full rather than as a column.
_FULL_LIMIT = 4_000_000


class PerRun:
    """R values of one parameter, one per run of a batch (see the module docstring)."""

    __slots__ = ("_views", "values", "weak")
    __array_priority__ = 1000  # numpy defers binary operators to us

    def __init__(self, values: Any, weak: bool = True) -> None:
        self.values = np.asarray(values)
        if self.values.ndim != 1:
            raise ValueError("a per-run parameter holds one value per run (a 1-d array)")
        self.weak = weak
        self._views: dict = {}

    def _view(self, strong: tuple, shape: tuple) -> np.ndarray:
        """The values as numpy would see this number next to operands of dtypes ``strong``, laid
        out for an array of ``shape``; cached, since a parameter meets the same states weekly.

        Against a state of several axes the values are repeated to the state's full shape:
        numpy multiplies two contiguous (R, N) arrays about three times faster than an (R, N)
        array by an (R, 1) column (measured on (2000, 8) float32), and the copy is made once."""
        key = (strong, shape)
        view = self._views.get(key)
        if view is None:
            values = self.values
            if strong and self.weak and values.dtype.kind in _PROXY:
                values = values.astype(np.result_type(*strong, _PROXY[values.dtype.kind]), copy=False)
            if len(shape) > 1:
                column = values.reshape((len(values),) + (1,) * (len(shape) - 1))
                full = np.prod(shape) <= _FULL_LIMIT and shape[0] == len(values)
                view = np.ascontiguousarray(np.broadcast_to(column, shape)) if full else column
            else:
                view = values
            self._views[key] = view
        return view

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"PerRun({self.values!r}{'' if self.weak else ', weak=False'})"

    def __bool__(self) -> bool:
        raise TypeError(
            "a parameter that varies from run to run has no single truth value;"
            " use peersim.core.perrun.choose or any_run"
        )

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "a per-run parameter cannot be turned into a plain array (it would lose its run axis);"
            " use peersim.core.perrun.column"
        )

    # --- numpy dispatch -------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or "out" in kwargs:
            return NotImplemented
        return _apply(ufunc, inputs, kwargs, operator=False)

    def __add__(self, other):
        return _apply(
            np.add,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __radd__(self, other):
        return _apply(
            np.add,
            (
                other,
                self,
            ),
            _NO_KWARGS,
            True,
        )

    def __sub__(self, other):
        return _apply(
            np.subtract,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __rsub__(self, other):
        return _apply(
            np.subtract,
            (
                other,
                self,
            ),
            _NO_KWARGS,
            True,
        )

    def __mul__(self, other):
        return _apply(
            np.multiply,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __rmul__(self, other):
        return _apply(
            np.multiply,
            (
                other,
                self,
            ),
            _NO_KWARGS,
            True,
        )

    def __truediv__(self, other):
        return _apply(
            np.true_divide,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __rtruediv__(self, other):
        return _apply(
            np.true_divide,
            (
                other,
                self,
            ),
            _NO_KWARGS,
            True,
        )

    def __pow__(self, other):
        return _apply(
            np.power,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __rpow__(self, other):
        return _apply(
            np.power,
            (
                other,
                self,
            ),
            _NO_KWARGS,
            True,
        )

    def __neg__(self):
        return _apply(np.negative, (self,), _NO_KWARGS, True)

    def __abs__(self):
        return _apply(np.absolute, (self,), _NO_KWARGS, True)

    def __lt__(self, other):
        return _apply(
            np.less,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __le__(self, other):
        return _apply(
            np.less_equal,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __gt__(self, other):
        return _apply(
            np.greater,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __ge__(self, other):
        return _apply(
            np.greater_equal,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __eq__(self, other):  # type: ignore[override]
        return _apply(
            np.equal,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __ne__(self, other):  # type: ignore[override]
        return _apply(
            np.not_equal,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __and__(self, other):
        return _apply(
            np.logical_and,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __rand__(self, other):
        return _apply(
            np.logical_and,
            (
                other,
                self,
            ),
            _NO_KWARGS,
            True,
        )

    def __or__(self, other):
        return _apply(
            np.logical_or,
            (
                self,
                other,
            ),
            _NO_KWARGS,
            True,
        )

    def __ror__(self, other):
        return _apply(
            np.logical_or,
            (
                other,
                self,
            ),
            _NO_KWARGS,
            True,
        )

    __hash__ = None  # type: ignore[assignment]


def _apply(ufunc, inputs, kwargs, operator: bool):
    """Run ``ufunc`` with numpy's weak-scalar rules for the PerRun operands (module docstring)."""
    if len(inputs) == 2 and not kwargs:  # the common case, a parameter and a state: no loops
        a, b = inputs
        if type(a) is PerRun and type(b) is np.ndarray and b.ndim and len(b) == len(a.values):
            return ufunc(a._view((b.dtype,), b.shape), b)
        if type(b) is PerRun and type(a) is np.ndarray and a.ndim and len(a) == len(b.values):
            return ufunc(a, b._view((a.dtype,), a.shape))
    runs, ndim, shape, all_weak, has_array = None, 0, (), True, False
    strong = []
    for x in inputs:
        if isinstance(x, PerRun):
            if runs is None:
                runs = len(x.values)
            elif len(x.values) != runs:
                raise ValueError(f"per-run parameters of different lengths ({len(x.values)} and {runs})")
            if not x.weak:
                all_weak = False
                strong.append(x.values.dtype)
        elif isinstance(x, _ARRAYS):
            has_array = True
            strong.append(x.dtype)
            if x.ndim > ndim:
                ndim, shape = x.ndim, x.shape
    memo = None
    if ndim == 0 and not kwargs and not any(type(x) is np.ndarray for x in inputs):
        # arithmetic among parameters alone (e.g. 1 - regression_rate - natural_recovery) is the
        # same every week: kept on the first PerRun operand, with its operands (so their ids stay
        # theirs), and the same result object comes back, its own broadcast views cached too
        first = next(x for x in inputs if isinstance(x, PerRun))
        memo = (
            "op",
            ufunc,
            operator,
            tuple(id(x) if isinstance(x, PerRun) else (type(x), x) for x in inputs),
        )
        hit = first._views.get(memo)
        if hit is not None:
            return hit[0]
    key = tuple(strong)
    args = []
    for x in inputs:
        if isinstance(x, PerRun):
            args.append(x._view(key, shape if ndim else ()))
        else:
            if isinstance(x, np.ndarray) and x.ndim and x.shape[0] not in (runs, 1):
                raise ValueError(
                    f"a per-run parameter ({runs} runs) met an array without a run axis (shape {x.shape})"
                )
            args.append(x)
    result = ufunc(*args, **kwargs)
    if ndim > 0:  # met a state array: a plain array with the state's shape, as a scalar would give
        return result
    out = PerRun(result, weak=operator and not has_array and all_weak)
    if memo is not None:
        first._views[memo] = (out, inputs)
    return out


def choose(condition, if_true, if_false):
    """``if_true if condition else if_false``, run by run when the condition varies."""
    if isinstance(condition, PerRun):
        a, b = (x.values if isinstance(x, PerRun) else x for x in (if_true, if_false))
        weak = all(x.weak for x in (if_true, if_false) if isinstance(x, PerRun))
        return PerRun(np.where(condition.values, a, b), weak=weak)
    return if_true if condition else if_false


def any_run(value) -> bool:
    """True if ``value`` holds for at least one run (a plain ``bool`` otherwise)."""
    if isinstance(value, PerRun):
        return bool(value.values.any())
    return bool(value)


def column(value, ndim: int, dtype):
    """``dtype(value)`` for one value; for a PerRun, its values in ``dtype`` shaped (R, 1, ...)
    with ``ndim`` axes, so that ``np.where`` or an assignment broadcasts them along the run axis."""
    if isinstance(value, PerRun):
        return value.values.astype(dtype).reshape((len(value),) + (1,) * (ndim - 1))
    return dtype(value)


def same_object(a, b) -> bool:
    """Whether a cached value computed for parameter ``a`` may be reused for ``b``."""
    if isinstance(a, PerRun) or isinstance(b, PerRun):
        return a is b
    return a == b
