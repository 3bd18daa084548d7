"""The evidence register: for every parameter, what its value rests on.

Each parameter carries an evidence grade, a source and a prior, in ``peersim/data/evidence.toml``
(one table, keyed by parameter name; its name, default, range, unit and group live beside the
field in ``peersim/core/params.py``, so nothing is written twice). Grades:

    seed         the qualitative study says it (a quote, or a count such as 1 of 11)
    trial        the PEER trial or its protocol (Poulsen et al. 2022, 2025)
    literature   published evidence other than the PEER studies
    calibrated   fitted to targets (docs/calibration.md); the prior is what the fit started from
    assumption   none of the above: a modelling choice, to be read as such

A prior is a distribution over the parameter's plausible values: ``uniform`` (low, high),
``beta`` (a, b, scaled to low..high), ``normal`` (mean, sd, cut to low..high), or ``fixed`` (a
design choice a user sets, not an uncertain quantity: group size, setting, switches). Calibration
draws from the priors; sensitivity analyses take their ranges.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from scipy import stats

GRADES = ("seed", "trial", "literature", "calibrated", "assumption")
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
    grade: str
    source: str
    prior: Prior


@cache
def register() -> dict[str, Evidence]:
    """Every entry of ``peersim/data/evidence.toml``, checked (see :func:`check_register`)."""
    text = resources.files("peersim.data").joinpath("evidence.toml").read_text(encoding="utf-8")
    return {name: _entry(name, raw) for name, raw in tomllib.loads(text).items()}


def _entry(name: str, raw: dict) -> Evidence:
    where = f"evidence.toml [{name}]"
    for key in raw:
        if key not in ("evidence", "source", "prior"):
            raise ValueError(f"{where}: unknown key {key!r} (keys: evidence, source, prior)")
    grade = raw.get("evidence")
    if grade not in GRADES:
        raise ValueError(f"{where}: evidence = {grade!r}; choose one of {', '.join(GRADES)}")
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
    return Evidence(name, grade, source.strip(), parsed)


def check_register(params_fields: dict) -> list[str]:
    """Problems between the register and the parameters (empty when all is well): every
    parameter has an entry and no entry lacks a parameter; every prior lies inside its
    parameter's valid range and holds its default; only design choices have fixed priors."""
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
    return problems


def _default_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"`{value}`"
    if isinstance(value, tuple):
        return ", ".join(value) or "(none)"
    return f"{value:g}" if isinstance(value, float) else str(value)


def markdown() -> str:
    """The register as a Markdown table, grouped as ``peersim params`` groups the parameters (for
    docs/evidence.md; ``python -m peersim.data.register`` prints it)."""
    from peersim.core.params import Params

    lines = ["| parameter | default | evidence | prior | source |", "|---|---|---|---|---|"]
    group = None
    for row in Params.describe():
        if row["group"] != group:
            group = row["group"]
            lines.append(f"| **{group}** | | | | |")
        entry = register()[row["name"]]
        default = row["default"]
        if isinstance(default, tuple):
            default = ", ".join(default) or "(none)"
        source = entry.source.replace("|", "/")
        lines.append(f"| `{row['name']}` | {default} | {entry.grade} | {entry.prior} | {source} |")
    return "\n".join(lines)


def parameter_table(names) -> str:
    """A Markdown table of the named parameters for docs/ODD.md: default, valid range, unit,
    evidence grade and meaning, read from ``Params`` and the register (so the ODD cannot drift)."""
    from peersim.core.params import _FIELDS, Params

    rows = {row["name"]: row for row in Params.describe()}
    lines = [
        "| Parameter | Default | Range | Unit | Evidence | Meaning |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        if name not in rows:
            raise ValueError(f"parameter_table: unknown parameter {name!r}")
        row, meta = rows[name], _FIELDS[name].metadata
        if meta["lo"] is not None:
            valid = f"{meta['lo']:g} to {meta['hi']:g}"
        elif meta["choices"]:
            valid = " / ".join(meta["choices"])
        elif isinstance(row["default"], bool):
            valid = "true / false"
        else:
            valid = ""
        default = row["default"] if name == "session_plan" else _default_text(row["default"])
        lines.append(
            f"| `{name}` | {default} | {valid} | {row['unit']} | {row['evidence']} | {row['meaning']} |"
        )
    return "\n".join(lines)


#: Markers of the generated blocks in docs: the register in docs/evidence.md, and parameter tables
#: in docs/ODD.md (``<!-- params: name name ... -->`` then the table, then ``<!-- params: end -->``).
REGISTER_START, REGISTER_END = "<!-- register: generated -->\n", "<!-- register: end -->"
PARAMS_START, PARAMS_END = "<!-- params: ", "<!-- params: end -->"


def render_docs(text: str) -> str:
    """``text`` (a docs page) with every generated block rendered afresh: the register between
    its markers, and each ``<!-- params: ... -->`` block as :func:`parameter_table` of the names
    it lists. Text outside the blocks is left as it is."""
    if REGISTER_START in text:
        a = text.index(REGISTER_START) + len(REGISTER_START)
        b = text.index(REGISTER_END, a)
        text = text[:a] + markdown() + "\n" + text[b:]
    out, pos, search = [], 0, 0
    while (start := text.find(PARAMS_START, search)) >= 0:
        if text.startswith(PARAMS_END, start):
            raise ValueError(f"docs: {PARAMS_END} without a block before it (offset {start})")
        head_end = text.index("-->", start) + len("-->\n")
        names = text[start + len(PARAMS_START) : head_end - len("-->\n")].split()
        end = text.index(PARAMS_END, head_end)
        out.append(text[pos:head_end] + parameter_table(names) + "\n")
        pos, search = end, end + len(PARAMS_END)
    out.append(text[pos:])
    return "".join(out)


def main(argv=None) -> int:
    """``python -m peersim.data.register [--markdown]``: print the register as Markdown;
    ``python -m peersim.data.register --write FILE ...``: render the generated blocks of docs pages in
    place (docs/evidence.md, docs/ODD.md)."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m peersim.data.register")
    parser.add_argument("--markdown", action="store_true", help="print the register (the default)")
    parser.add_argument("--write", nargs="+", type=Path, default=None, help="docs pages to render")
    args = parser.parse_args(argv)
    if args.write:
        for path in args.write:
            text = path.read_text(encoding="utf-8")
            new = render_docs(text)
            if new != text:
                path.write_text(new, encoding="utf-8")
                print(f"rendered {path}")
        return 0
    print(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
