"""A table of parameter sets (one row per scenario), validated, and cut into batches for the kernel.

Research designs are many parameter sets with few replicates each. The kernel runs them together:
a batch holds runs of different sets, and every parameter that differs between them becomes a
:class:`~peersim.core.perrun.PerRun` column over the batch's runs. Only the parameters that change the
shape of the arrays (``STRUCTURAL``) split a table into several batches: the group size, the
number of facilitators, sessions and follow-up weeks, and the session plan fix array shapes and the
week loop; the knocked-out mechanisms, the control arm and the programme theory choose which phase
functions run and in which form. A
table that varies none of them is one batch, whatever its length.

Run k of every set is the same people with the same draws (common random numbers), and a run's
rows do not depend on which other sets share its batch (see :mod:`peersim.core.perrun`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from peersim.core.params import _FIELDS, Params, _kind, _unknown_message, _validate, structural
from peersim.core.perrun import PerRun

#: Parameters that change array shapes or which phases run: runs that differ in them go to
#: separate batches (marked ``structural=True`` in Params).
STRUCTURAL = structural()
_DTYPES = {"float": np.float64, "int": np.int64, "bool": np.bool_, "str": np.str_}


class BatchParams:
    """The parameters of one kernel batch: each field one Python value (the same in every run of
    the batch) or a PerRun column. Built by :class:`ParamSets`; the kernel reads it as it reads
    Params (every field by name, ``enabled``, ``equality``, the same code), but it is not a Params:
    it cannot be replaced, hashed, compared or validated as one, and it is immutable."""

    __slots__ = tuple(_FIELDS)

    def __init__(self, base: Params, columns: Mapping[str, Any]) -> None:  # no validation: done
        for f in fields(Params):
            object.__setattr__(self, f.name, columns[f.name] if f.name in columns else getattr(base, f.name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"BatchParams is read-only (cannot set {name!r})")

    __delattr__ = __setattr__
    __hash__ = None  # type: ignore[assignment]  # columns are arrays: no hash

    # the kernel's reads beyond the fields: Params' own code, so batches compute as Params does
    enabled = Params.enabled
    equality = Params.equality

    def __repr__(self) -> str:
        varied = [f.name for f in fields(Params) if isinstance(getattr(self, f.name), PerRun)]
        return f"BatchParams(per-run: {', '.join(varied) or 'none'})"


class ParamSets:
    """Validated parameter sets: ``base`` plus a table whose columns are parameter names.

    ``sets`` is a DataFrame (one row per set) or a list of dicts. A missing value (NaN, None) in a
    row means the base value. Values are checked exactly as ``Params`` checks them, with errors
    that name the set (``what`` and its index label) and the parameter.
    """

    def __init__(
        self, sets: pd.DataFrame | Sequence[Mapping], base: Params | None = None, what: str = "sets: set"
    ) -> None:
        base = Params() if base is None else base
        if not isinstance(base, Params):
            raise ValueError(f"base must be a peersim.Params, not {type(base).__name__}")
        if isinstance(sets, pd.DataFrame):
            frame = sets
        elif isinstance(sets, Sequence) and all(isinstance(r, Mapping) for r in sets):
            frame = pd.DataFrame(list(sets))
        else:
            raise ValueError("sets must be a DataFrame or a list of dicts, one row per parameter set")
        if len(frame) == 0:
            raise ValueError("sets has no rows: give at least one parameter set")
        if frame.columns.duplicated().any():
            raise ValueError(f"sets: column {frame.columns[frame.columns.duplicated()][0]!r} appears twice")
        self.base = base
        self.index = frame.index
        self.varied: list[str] = []
        self._values: dict[str, list] = {}  # validated Python values per set
        self._arrays: dict[str, np.ndarray] = {}  # the same, typed, for PerRun columns
        for name in frame.columns:
            if not isinstance(name, str) or name not in _FIELDS:
                raise ValueError(f"sets: {_unknown_message(str(name))}")
            spec, default = _FIELDS[name], getattr(base, name)
            fast = _numeric_column(name, spec, frame[name], default)
            if fast is not None:  # a clean numeric column: checked in bulk (posteriors have 100+)
                self.varied.append(name)
                self._values[name] = fast.tolist()
                if name not in STRUCTURAL:
                    self._arrays[name] = fast
                continue
            values = []
            checked: dict = {}  # tables repeat values (replicates, posterior draws): check each once
            for label, raw in zip(frame.index, frame[name].tolist(), strict=True):
                if _missing(raw):
                    values.append(default)
                    continue
                raw = _plain(raw)
                key = (type(raw), raw) if isinstance(raw, int | float | str | bool) else None
                if key is not None and key in checked:
                    values.append(checked[key])
                    continue
                try:
                    value = _validate(name, spec, raw)
                except ValueError as error:
                    raise ValueError(f"{what} {label!r}: {error}") from None
                values.append(value)
                if key is not None:
                    checked[key] = value
            self.varied.append(name)
            self._values[name] = values
            if name not in STRUCTURAL:
                self._arrays[name] = np.array(values, dtype=_DTYPES[_kind(spec)])

    def __len__(self) -> int:
        return len(self.index)

    def frame(self) -> pd.DataFrame:
        """The validated sets: one row per set, the varied parameters as columns."""
        return pd.DataFrame(
            {name: self._values[name] for name in self.varied}, index=self.index, columns=self.varied
        )

    def params(self, position: int) -> Params:
        """The full, validated parameters of the set at ``position``."""
        return self.base.replace(**{name: self._values[name][position] for name in self.varied})

    def batches(self, positions: np.ndarray) -> list[tuple[np.ndarray, BatchParams]]:
        """Split courses (the set position of each) into kernel batches: (indices into
        ``positions``, the batch's parameters), one batch per combination of structural values."""
        positions = np.asarray(positions, dtype=np.int64)
        structural = [name for name in self.varied if name in STRUCTURAL]
        if structural:
            keys = [tuple(self._values[name][i] for name in structural) for i in range(len(self))]
            codes = {key: code for code, key in enumerate(dict.fromkeys(keys))}
            by_set = np.array([codes[key] for key in keys])[positions]
            groups = [np.flatnonzero(by_set == code) for code in range(len(codes))]
            groups = [g for g in groups if len(g)]
        else:
            groups = [np.arange(len(positions))]
        out = []
        for idx in groups:
            sets = positions[idx]
            columns: dict[str, Any] = {}
            first = int(sets[0])
            for name in self.varied:
                if name in STRUCTURAL:
                    columns[name] = self._values[name][first]
                    continue
                values = self._arrays[name][sets]
                if (values == values[0]).all():  # one value in this batch: a plain Python value
                    columns[name] = self._values[name][first]
                else:
                    columns[name] = PerRun(values)
            out.append((idx, BatchParams(self.base, columns)))
        return out


def _numeric_column(name: str, spec, column: pd.Series, default) -> np.ndarray | None:
    """A float or whole-number parameter's column, checked at once: the validated values (as
    ``_validate`` gives them) when every value is finite and in range (missing ones take the
    default), else None, and the value-by-value path finds the first bad one and says why."""
    kind = _kind(spec)
    lo, hi = spec.metadata["lo"], spec.metadata["hi"]
    if kind not in ("float", "int") or lo is None or column.dtype.kind not in "fi":
        return None
    values = column.to_numpy(dtype=float)
    values = np.where(np.isnan(values), float(default), values)
    ok = np.isfinite(values).all() and (values >= lo).all() and (values <= hi).all()
    if kind == "int":
        ok = ok and bool((values == np.round(values)).all())
        return values.astype(np.int64) if ok else None
    return values if ok else None


def _missing(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, float | np.floating) and bool(np.isnan(value))


def _plain(value: Any) -> Any:
    """numpy scalars (as pandas hands them out) as the Python values Params expects."""
    return value.item() if isinstance(value, np.generic) else value


def whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its whole-number parameters rounded (samplers and posterior files hold reals)."""
    kinds = {f.name: f.type for f in fields(Params)}
    for name in frame.columns:
        if kinds.get(name) in ("int", int):
            frame[name] = np.rint(frame[name]).astype(int)
    return frame
