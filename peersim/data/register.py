"""The evidence register: for every parameter, what its value rests on.

Each parameter carries two evidence grades, a source and a prior, in
``peersim/data/evidence.toml`` (one table, keyed by parameter name; its name, default, range, unit
and group live beside the field in ``peersim/core/params.py``, so nothing is written twice).
``evidence`` grades what the parameter's *direction* (its sign, or for a design choice its value)
rests on; ``size`` grades what its *magnitude* (the prior's range) rests on. A source that says an
effect exists but not how large gives the direction, not the size. Both take one of:

    seed         the qualitative study says it (a quote, or a count such as 1 of 9)
    trial        the PEER trial or its protocol (Poulsen et al. 2022, 2025)
    literature   published evidence other than the PEER studies
    assumption   none of the above: a modelling choice, to be read as such

There is no grade "calibrated": what the data inform is the posterior's business
(docs/calibration.md), not the register's, and no prior is the range of an earlier fit. An optional
``range`` says how the prior's range was chosen when ``source`` does not.

A prior is a distribution over the parameter's plausible values: ``uniform`` (low, high),
``beta`` (a, b, scaled to low..high), ``normal`` (mean, sd, cut to low..high), or ``fixed`` (a
design choice a user sets, not an uncertain quantity: group size, setting, switches). Calibration
draws from the priors; sensitivity analyses take their ranges. Every default in ``Params`` is its
prior's median (the register's central value, the model before the data), except the ones listed
in :data:`NOT_THE_MEDIAN` with their reason (tests/test_evidence.py checks it).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from scipy import stats

from peersim.core.params import _FIELDS, MECHANISMS
from peersim.core.plan import PEER_PLAN

GRADES = ("seed", "trial", "literature", "assumption")

#: Defaults that are deliberately not their prior's median, each with its reason (empty: none).
NOT_THE_MEDIAN: dict[str, str] = {}
DISTRIBUTIONS = ("uniform", "beta", "normal", "fixed")


@dataclass(frozen=True)
class Prior:
    dist: str
    low: float | None = None
    high: float | None = None
    a: float | None = None  # beta shape parameters
    b: float | None = None
    mean: float | None = None  # normal
    sd: float | None = None

    @property
    def fixed(self) -> bool:
        return self.dist == "fixed"

    def scipy(self):
        """The prior as a frozen scipy.stats distribution (not for fixed priors)."""
        lo, hi = self.low, self.high
        if self.dist == "uniform":
            return stats.uniform(lo, hi - lo)
        if self.dist == "beta":
            return stats.beta(self.a, self.b, loc=lo, scale=hi - lo)
        if self.dist == "normal":
            return stats.truncnorm((lo - self.mean) / self.sd, (hi - self.mean) / self.sd, self.mean, self.sd)
        raise ValueError("a fixed prior has no distribution")

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles: maps uniforms in (0, 1) to draws from the prior."""
        return self.scipy().ppf(u)

    def __str__(self) -> str:
        if self.dist == "fixed":
            return "fixed (a design choice)"
        if self.dist == "uniform":
            return f"uniform({self.low:g}, {self.high:g})"
        if self.dist == "beta":
            return f"beta({self.a:g}, {self.b:g}) on [{self.low:g}, {self.high:g}]"
        return f"normal({self.mean:g}, {self.sd:g}) cut to [{self.low:g}, {self.high:g}]"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Evidence:
    name: str
    grade: str  # the direction's evidence (the register's ``evidence``)
    source: str
    prior: Prior
    size: str = "assumption"  # the magnitude's evidence (the register's ``size``)
    range: str = ""  # how the prior's range was chosen, when the source does not say

    @property
    def sized(self) -> bool:
        """True when the magnitude, not only the direction, rests on a source."""
        return self.size != "assumption"


@cache
def register() -> dict[str, Evidence]:
    """Every entry of ``peersim/data/evidence.toml``, checked (see :func:`check_register`)."""
    text = resources.files("peersim.data").joinpath("evidence.toml").read_text(encoding="utf-8")
    return {name: _entry(name, raw) for name, raw in tomllib.loads(text).items()}


def _entry(name: str, raw: dict) -> Evidence:
    where = f"evidence.toml [{name}]"
    keys = ("evidence", "size", "source", "range", "prior")
    for key in raw:
        if key not in keys:
            raise ValueError(f"{where}: unknown key {key!r} (keys: {', '.join(keys)})")
    grade = raw.get("evidence")
    if grade not in GRADES:
        raise ValueError(
            f"{where}: evidence = {grade!r} (the direction's grade); choose one of {', '.join(GRADES)}"
        )
    size = raw.get("size")
    if size not in GRADES:
        raise ValueError(
            f"{where}: size = {size!r} (the magnitude's grade); choose one of {', '.join(GRADES)}"
        )
    span = raw.get("range", "")
    if not isinstance(span, str):
        raise ValueError(f"{where}: range must be a sentence (how the prior's range was chosen)")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{where}: needs a source (quote location or reference)")
    prior = raw.get("prior")
    if not isinstance(prior, dict) or prior.get("dist") not in DISTRIBUTIONS:
        raise ValueError(f"{where}: prior = {{dist = ...}} with dist one of {', '.join(DISTRIBUTIONS)}")
    try:
        parsed = Prior(**prior)
    except TypeError as error:
        raise ValueError(f"{where}: prior: {error}") from None
    needs = {
        "uniform": ("low", "high"),
        "beta": ("low", "high", "a", "b"),
        "normal": ("low", "high", "mean", "sd"),
    }
    for key in needs.get(parsed.dist, ()):
        if getattr(parsed, key) is None:
            raise ValueError(f"{where}: a {parsed.dist} prior needs {key}")
    if not parsed.fixed and not parsed.low < parsed.high:
        raise ValueError(f"{where}: prior low must be below high")
    return Evidence(name, grade, source.strip(), parsed, size, span.strip())


def check_register(params_fields: dict) -> list[str]:
    """Problems between the register and the parameters (empty when all is well): every
    parameter has an entry and no entry lacks a parameter; every prior lies inside its
    parameter's valid range and holds its default, and the default is the prior's median unless
    :data:`NOT_THE_MEDIAN` lists it with a reason; only design choices have fixed priors."""
    problems = []
    entries = register()
    for name in params_fields:
        if name not in entries:
            problems.append(f"{name}: no entry in the evidence register")
    for name, ev in entries.items():
        field = params_fields.get(name)
        if field is None:
            problems.append(f"{name}: in the evidence register but not a parameter")
            continue
        meta, prior = field.metadata, ev.prior
        if prior.fixed:
            continue
        if meta["lo"] is None:
            problems.append(f"{name}: not numeric, so its prior must be fixed")
            continue
        if prior.low < meta["lo"] or prior.high > meta["hi"]:
            problems.append(
                f"{name}: prior [{prior.low}, {prior.high}] outside the valid range"
                f" {meta['lo']}..{meta['hi']}"
            )
        if not prior.low <= field.default <= prior.high:
            problems.append(f"{name}: default {field.default} outside its prior [{prior.low}, {prior.high}]")
        median = float(prior.ppf(0.5))
        if name not in NOT_THE_MEDIAN and not math.isclose(field.default, median, rel_tol=1e-6, abs_tol=1e-9):
            problems.append(
                f"{name}: default {field.default} is not its prior's median {median:g} (the register's"
                " central value; list it in NOT_THE_MEDIAN with a reason if it must differ)"
            )
    for name in NOT_THE_MEDIAN:
        if name not in entries or entries[name].prior.fixed:
            problems.append(f"{name}: in NOT_THE_MEDIAN but has no prior with a median")
    return problems


def describe() -> list[dict[str, Any]]:
    """One row per parameter: name, group, default, range or choices, unit, meaning (from
    ``Params``), and from the evidence register its grades (``evidence``: the direction's,
    ``size``: the magnitude's), source, range and prior."""
    entries = register()
    rows = []
    for name, spec in _FIELDS.items():
        meta = spec.metadata
        if meta["choices"]:
            valid = " | ".join(meta["choices"])
        elif meta["lo"] is not None:
            valid = f"{meta['lo']} to {meta['hi']}"
        elif spec.type in ("bool", bool):
            valid = "true | false"
        elif name == "disabled_mechanisms":
            valid = "any of: " + ", ".join(MECHANISMS)
        else:
            valid = "list of sessions"
        default = spec.default
        if name == "session_plan":
            default = f"PEER plan ({len(PEER_PLAN)} sessions)"
        entry = entries.get(name)
        rows.append(
            {
                "name": name,
                "group": meta["group"],
                "default": default,
                "low": meta["lo"],
                "high": meta["hi"],
                "valid": valid,
                "unit": meta["unit"],
                "meaning": meta["doc"],
                "evidence": entry.grade if entry else "ungraded",
                "size": entry.size if entry else "ungraded",
                "source": entry.source if entry else "",
                "range": entry.range if entry else "",
                "prior": entry.prior.to_dict() if entry else None,
            }
        )
    return rows
