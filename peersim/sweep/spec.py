"""Experiment specs: a study as data (TOML), validated with one-line errors.

    name = "size_and_skill"
    seed = 2024
    replicates = 500              # runs (groups) per design point
    chunk_size = 250              # courses per chunk of work, across design points (default 500)
    record = "summary"            # or "sessions" (adds the per-week table)
    tables = ["participants", "groups"]
    out = "results/size_and_skill/raw"   # default results/<name>/raw
    uncertainty = "posterior"     # optional: run k of every point takes posterior draw d(seed, k)
    people = "shared"             # or "own": see below (default: by design kind, PEOPLE_DEFAULT)
    population = "people.csv"    # optional: these participants in every group (path relative to
                                  # this file); its rows set the group size

    [fixed]                       # parameters held at one value
    covid_restrictions = false

    [design]                      # "single", "grid", "list", "lhs" or "sobol"
    kind = "grid"
    [design.factors]
    group_size = [6, 8, 10, 12]
    facilitator_skill = [0.3, 0.5, 0.7, 0.9]

Latin hypercube, Sobol, Saltelli and Morris designs take ``n`` and ``[design.ranges]`` (name =
[low, high] for a number; the values it takes for a boolean or a word, e.g. ``setting =
["civil_society", "mental_health_service"]``, each then taken equally often); a list design takes
``points = [{...}, {...}]``.

Which people a design point meets is the spec's choice, ``people``:

- ``"shared"``: every point uses the same run indices of the same seed, so point A's run k and
  point B's run k are the same people with the same draws (common random numbers): differences
  between points are the design's effect, not noise. But the whole design then rests on
  ``replicates`` distinct groups, however many points it has.
- ``"own"``: point p draws its own people, runs p * replicates to p * replicates + replicates - 1
  of the seed (the ``run`` column says which), so the design rests on points x replicates groups.

A grid, a list and the sensitivity designs (saltelli, morris) share people by default: they
compare points, and their estimators are differences between points, which pairing makes sharp.
Latin hypercube and Sobol designs draw their own: they are read pooled over the space (the share
of points where dropout > 30%, a trend across a factor, a metamodel), and pooling points that meet
the same few groups hides how few groups there are. A shared design with fewer replicates than
``ENOUGH_GROUPS`` asks for is warned of before it runs (:func:`people_warning`).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import numbers
import tomllib
from dataclasses import dataclass, field, fields
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from peersim.core.params import Params, show
from peersim.core.rng import MAX_SEED
from peersim.core.sets import ParamSets
from peersim.run.draws import UNCERTAINTY
from peersim.sweep.errors import SpecError
from peersim.sweep.metadata import TABLES, read_spec_json

KINDS = ("single", "grid", "list", "lhs", "sobol", "saltelli", "morris")
#: which people the design points meet: the same (paired; common random numbers) or their own
PEOPLE = ("shared", "own")
PEOPLE_DEFAULT = {
    "single": "shared",
    "grid": "shared",
    "list": "shared",
    "saltelli": "shared",
    "morris": "shared",
    "lhs": "own",
    "sobol": "own",
}
#: Below this many replicates, a design whose points share people is warned of. A group's dropout
#: varies with sd about 0.15 from group to group (simulate(Params(), runs=2000, seed=1)), so every
#: mean over a shared design carries its R groups' offset, about 0.3 / sqrt(R) at 95%: 2 groups
#: put it anywhere within 21 points, 100 within 3. A grid or list shows each point with its own
#: interval over the replicates, which shows how few groups there are; designs read pooled over
#: their points (space-filling, sensitivity) hide it, so they ask for more.
#: the designs whose factors may be booleans and words: each value takes an equal stratum of the
#: unit interval the design samples (saltelli and morris sample it through SALib, so a Sobol index
#: of such a factor is the share of variance due to which value it takes, each equally likely, and
#: a Morris step of a boolean switches it: with an even number of levels every step crosses 1/2)
_LEVELS_KINDS = ("lhs", "sobol", "saltelli", "morris")
#: the designs whose whole-number factors take each value equally often (strata of the unit
#: interval); a morris design keeps its grid (the levels scaled to [low, high], then rounded)
_EVEN_INTEGER_KINDS = ("lhs", "sobol", "saltelli")
#: the designs read pooled over the space (their own people serve them), not compared point by point
_SPACE_FILLING = ("lhs", "sobol")
ENOUGH_GROUPS = {"grid": 30, "list": 30, "lhs": 100, "sobol": 100, "saltelli": 100, "morris": 100}
RECORDS = ("summary", "sessions")
_TOP_KEYS = (
    "name",
    "description",
    "seed",
    "replicates",
    "chunk_size",
    "record",
    "tables",
    "out",
    "fixed",
    "design",
    "uncertainty",
    "population",
    "people",
)
MAX_COUNT = 2**63 - 1
#: designs up to this many points are checked point by point when parsed; larger ones when run,
#: after the size check (so that a design of 10^9 points is refused before it is built)
VALIDATE_POINTS = 100_000
_PARAM_FIELDS = {f.name: f for f in fields(Params)}


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    seed: int
    replicates: int
    design_kind: str = "single"
    factors: dict[str, list] = field(default_factory=dict)  # grid
    ranges: dict[str, list] = field(default_factory=dict)  # lhs, sobol
    n: int = 0  # lhs, sobol, saltelli (base samples), morris (trajectories)
    levels: int = 4  # morris
    points: list[dict] = field(default_factory=list)  # list
    fixed: dict[str, Any] = field(default_factory=dict)
    chunk_size: int = 500
    record: str = "summary"
    tables: tuple[str, ...] = ("participants", "groups")
    out: str = ""
    description: str = ""
    uncertainty: str = "none"  # "posterior": run k of every point takes posterior draw d(seed, k)
    population: str = ""  # a CSV of participants (path as resolved), the same people in every group
    population_rows: tuple[dict, ...] = ()  # its validated rows, read once when the spec is parsed
    population_sha256: str = ""  # its content's hash (the fingerprint's, not the path's)
    people: str = "shared"  # "own": each design point draws its own people (see the module docstring)

    @property
    def out_dir(self) -> Path:
        # raw/ beside the study's figures and tables: the study script reads the same folder, and
        # git ignores raw Parquet there
        return Path(self.out or f"results/{self.name}/raw")

    def to_dict(self) -> dict[str, Any]:
        design: dict[str, Any] = {"kind": self.design_kind}
        if self.design_kind == "grid":
            design["factors"] = self.factors
        elif self.design_kind in ("lhs", "sobol", "saltelli"):
            design.update(n=self.n, ranges=self.ranges)
        elif self.design_kind == "morris":
            design.update(n=self.n, ranges=self.ranges, levels=self.levels)
        elif self.design_kind == "list":
            design["points"] = self.points
        return {
            "name": self.name,
            "description": self.description,
            **({"uncertainty": self.uncertainty} if self.uncertainty != "none" else {}),
            **({"population": self.population} if self.population else {}),
            "people": self.people,
            "seed": self.seed,
            "replicates": self.replicates,
            "chunk_size": self.chunk_size,
            "record": self.record,
            "tables": list(self.tables),
            "out": str(self.out_dir),
            "fixed": self.fixed,
            "design": design,
        }

    def fingerprint(self) -> str:
        """Hash of what determines the results (not where they go): guards against mixing specs."""
        what = {k: v for k, v in self.to_dict().items() if k not in ("out", "description")}
        if self.population:  # the people, not where their file lies
            what["population"] = self.population_sha256
        if self.people == "shared":  # as every sweep was before the choice: their folders still match
            del what["people"]
        if self.design_kind in _EVEN_INTEGER_KINDS and any(
            _PARAM_FIELDS[k].type == "int" for k in self.ranges
        ):
            # whole numbers were once rounded, now spread evenly: a folder of the old design is
            # another design (a resume must not mix them)
            what["design"] = {**what["design"], "whole_numbers": "evenly"}
        return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def replace(self, **changes: Any) -> ExperimentSpec:
        return parse_spec({**self.to_dict(), **changes})

    # --- the design --------------------------------------------------------------------------
    def n_points(self) -> int:
        """How many design points there are, counted from the spec (the design is not built)."""
        if self.design_kind == "single":
            return 1
        if self.design_kind == "list":
            return len(self.points)
        if self.design_kind == "grid":
            return math.prod(len(v) for v in self.factors.values())
        if self.design_kind == "saltelli":  # first and total order: n (d + 2)
            return self.n * (len(self.ranges) + 2)
        if self.design_kind == "morris":  # n trajectories of d + 1 points
            return self.n * (len(self.ranges) + 1)
        return self.n  # lhs, sobol

    def design(self) -> pd.DataFrame:
        """One row per design point: ``point`` and the value of each varied parameter."""
        if self.design_kind == "single":
            rows: list[dict] = [{}]
        elif self.design_kind == "list":
            rows = [dict(p) for p in self.points]
        elif self.design_kind == "grid":
            names = list(self.factors)
            mesh = np.meshgrid(*[np.arange(len(self.factors[k])) for k in names], indexing="ij")
            rows = [
                {k: self.factors[k][int(i)] for k, i in zip(names, idx, strict=True)}
                for idx in zip(*(m.ravel() for m in mesh), strict=True)
            ]
        frame = pd.DataFrame(self._range_columns() if self.ranges else rows)
        frame.insert(0, "point", np.arange(len(frame)))
        return frame

    def _range_columns(self) -> dict[str, Any]:
        """The varied parameters of a range design, column by column."""
        names = list(self.ranges)
        if self.design_kind in ("saltelli", "morris"):
            from peersim.stats.sensitivity import sample

            # a number is sampled on its range, as SALib scales it; a boolean, a word and (but in a
            # morris grid) a whole number on the unit interval, then cut into equal strata
            unit = [k for k in names if _levels_of(k) or self._evenly(k)]
            values = sample(
                self.design_kind,
                {k: [0.0, 1.0] if k in unit else self.ranges[k] for k in names},
                self.n,
                self.seed,
                self.levels,
            )
            out = {}
            for j, k in enumerate(names):
                if k in unit:
                    out[k] = list(np.asarray(_from_unit(values[:, j], k, self.ranges[k])).tolist())
                elif _PARAM_FIELDS[k].type == "int":
                    out[k] = [round(float(v)) for v in values[:, j]]
                else:
                    out[k] = [float(v) for v in values[:, j]]
            return out
        rng = np.random.default_rng(self.seed)  # local, seeded: the design is part of the spec
        if self.design_kind == "lhs":
            unit = qmc.LatinHypercube(d=len(names), rng=rng).random(self.n)
        else:
            unit = qmc.Sobol(d=len(names), rng=rng).random_base2(int(np.log2(self.n)))
        return {k: _from_unit(unit[:, j], k, self.ranges[k]) for j, k in enumerate(names)}

    def _evenly(self, name: str) -> bool:
        """Whether a whole-number factor takes each of its values equally often."""
        return self.design_kind in _EVEN_INTEGER_KINDS and _PARAM_FIELDS[name].type == "int"

    def base_params(self) -> Params:
        """The parameters every design point shares: the defaults with ``[fixed]`` applied."""
        try:
            return Params(**self.fixed)
        except ValueError as error:
            raise SpecError(f"fixed: {error}") from None

    def param_sets(self, design: pd.DataFrame | None = None) -> ParamSets:
        """The design points as validated parameter sets (index: point)."""
        design = self.design() if design is None else design
        try:
            return ParamSets(design.set_index("point"), self.base_params(), what="design point")
        except ValueError as error:
            raise SpecError(str(error)) from None

    def point_params(self, point: int) -> Params:
        """The full, validated parameters of one design point."""
        return self.param_sets().params(point)

    def distinct_groups(self) -> int:
        """How many different groups of people the design's results rest on."""
        return self.replicates * (self.n_points() if self.people == "own" else 1)


def _from_unit(unit: np.ndarray, name: str, bounds: list) -> Any:
    """A column of a space-filling design from its points on the unit interval. A number is
    scaled to [low, high]. A whole number or a list of values cuts the interval into as many equal
    strata as there are values and takes the stratum's value, so each comes up equally often (a
    Latin hypercube puts exactly one point in each of n equal slices, so the counts differ by at
    most one); rounding a scaled number instead gives the two end values half the weight of the
    others."""
    if _levels_of(name):
        index = np.minimum((unit * len(bounds)).astype(np.int64), len(bounds) - 1)
        return [bounds[i] for i in index.tolist()]
    if _PARAM_FIELDS[name].type == "int":
        low, high = int(bounds[0]), int(bounds[1])
        count = high - low + 1
        return low + np.minimum((unit * count).astype(np.int64), count - 1)
    return qmc.scale(unit[:, None], [bounds[0]], [bounds[1]])[:, 0]


def runs_of(courses: np.ndarray, replicates: int, people: str) -> np.ndarray:
    """The run of the seed (who the people are) of each of a sweep's courses: the replicate when
    points share people, the course itself when each point draws its own."""
    courses = np.asarray(courses, dtype=np.int64)
    return courses % replicates if people == "shared" else courses


def people_warning(spec: ExperimentSpec) -> str:
    """A line for a design whose points share people with too few replicates for its question
    (``ENOUGH_GROUPS``), naming the groups its results rest on; empty otherwise."""
    points, enough = spec.n_points(), ENOUGH_GROUPS.get(spec.design_kind)
    if spec.people != "shared" or points < 2 or enough is None or spec.replicates >= enough:
        return ""
    if spec.design_kind in _SPACE_FILLING:  # read pooled over the space: its own people serve it
        fix = f'set people = "own" (each point draws its own) or replicates = {enough} or more'
    else:  # it compares its points: pairing is what it is for, so more groups, not other people
        fix = f'raise replicates to {enough} or more (people = "own" would unpair the points it compares)'
    return (
        f"{spec.name}: all {points:,} design points meet the same {spec.replicates:,} groups of people"
        f' (people = "shared"), so its results rest on {spec.replicates:,} distinct groups, not'
        f" {points * spec.replicates:,}; {fix}"
    )


def load_spec(path: str | Path) -> ExperimentSpec:
    """Read and validate a TOML spec; any problem is a one-line SpecError.

    A results folder (or its ``spec.json``) gives the spec it was run with, writing to that
    folder: ``peersim sweep results/x/raw --resume`` finishes or repairs it."""
    path = Path(path)
    if path.is_dir() or path.suffix == ".json":
        return _load_stored_spec(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SpecError(f"cannot read spec {path}: {error.strerror or error}") from None
    text = _decode(raw, path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML ({error})") from None
    except RecursionError:
        raise SpecError(f"{path}: nested too deeply to be a spec") from None
    data.setdefault("name", path.stem)
    if isinstance(data.get("population"), str):  # relative to the spec file, not to where we run
        data["population"] = str(path.parent / Path(data["population"]).expanduser())
    try:
        return parse_spec(data)
    except SpecError as error:
        raise SpecError(f"{path}: {error}") from None
    except RecursionError:
        raise SpecError(f"{path}: nested too deeply to be a spec") from None


def _decode(raw: bytes, path: Path) -> str:
    """UTF-8 text (a byte-order mark is dropped); anything else is a one-line error naming the file."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpecError(
            f"{path}: not UTF-8 text (byte {error.start} is {raw[error.start : error.start + 1]!r});"
            " save it as UTF-8"
        ) from None


def _load_stored_spec(path: Path) -> ExperimentSpec:
    folder = path if path.is_dir() else path.parent
    file = folder / "spec.json" if path.is_dir() else path
    if not file.exists():
        raise SpecError(f"{path}: no spec.json there (a results folder of peersim sweep holds one)")
    data = {k: v for k, v in read_spec_json(file).items() if k not in ("fingerprint", "code")}
    data["out"] = str(folder)
    # a spec.json of an older peersim, before the choice: every point then met the same people
    data.setdefault("people", "shared")
    try:
        return parse_spec(data)
    except SpecError as error:
        raise SpecError(f"{file}: {error}") from None


def parse_spec(data: dict[str, Any]) -> ExperimentSpec:
    """Validate a spec given as data (a dict, as TOML gives it); any problem is a one-line
    SpecError naming the key."""
    if not isinstance(data, dict):
        raise SpecError(f"a spec must be a table of key = value, not {type(data).__name__}")
    try:
        return _parse_spec(data)
    except SpecError:
        raise
    except RecursionError:
        raise SpecError("the spec is nested too deeply") from None
    except (ValueError, TypeError, OverflowError, AttributeError, KeyError) as error:
        # a value of a kind no check foresaw: still one line, never a traceback
        raise SpecError(f"a value in the spec is not valid ({' '.join(str(error).split())[:200]})") from None


def _parse_spec(data: dict[str, Any]) -> ExperimentSpec:
    for key in data:
        if key not in _TOP_KEYS:
            raise SpecError(
                f"unknown key {show(key)}{_near(str(key), _TOP_KEYS)} (keys: {', '.join(_TOP_KEYS)})"
            )
    name = _typed(data, "name", str, None)
    if not name or len(name) > 100 or not all(c.isalnum() or c in "_-" for c in name):
        raise SpecError(
            f"name = {show(name)} must be a non-empty word (letters, digits, _ or -; at most 100)"
        )
    seed = _typed(data, "seed", int, 0)
    replicates = _typed(data, "replicates", int, None)
    chunk_size = _typed(data, "chunk_size", int, 500)
    if not 0 <= seed <= MAX_SEED:
        raise SpecError(f"seed = {show(seed)} must be 0 or more (and at most 2**63 - 1)")
    if not 1 <= replicates <= MAX_COUNT:
        raise SpecError(f"replicates = {show(replicates)} must be at least 1 (and at most 2**63 - 1)")
    if not 1 <= chunk_size <= MAX_COUNT:
        raise SpecError(f"chunk_size = {show(chunk_size)} must be at least 1 (and at most 2**63 - 1)")
    record = _typed(data, "record", str, "summary")
    if record not in RECORDS:
        raise SpecError(f"record = {record!r} must be one of {', '.join(RECORDS)}")
    tables = data.get("tables", ["participants", "groups"] + (["sessions"] if record == "sessions" else []))
    if not isinstance(tables, list) or not tables or not all(isinstance(t, str) for t in tables):
        raise SpecError("tables must be a non-empty list of table names")
    for t in tables:
        if t not in TABLES:
            raise SpecError(
                f"tables: unknown table {show(t)}{_near(t, TABLES)} (tables: {', '.join(TABLES)})"
            )
    if "sessions" in tables and record != "sessions":
        raise SpecError('tables includes "sessions" but record = "summary"; set record = "sessions"')
    fixed = data.get("fixed", {})
    if not isinstance(fixed, dict):
        raise SpecError("[fixed] must be a table of parameter = value")
    population = _population(data, fixed)
    if population:
        fixed = {**fixed, "group_size": len(population[1])}
    _check_params(fixed, "fixed")
    design = data.get("design", {"kind": "single"})
    if not isinstance(design, dict):
        raise SpecError("[design] must be a table")
    kind = design.get("kind", "single")
    if kind not in KINDS:
        raise SpecError(
            f"design kind = {show(kind)}{_near(str(kind), KINDS)}; choose one of {', '.join(KINDS)}"
        )
    allowed = {
        "single": {"kind"},
        "grid": {"kind", "factors"},
        "list": {"kind", "points"},
        "lhs": {"kind", "n", "ranges"},
        "sobol": {"kind", "n", "ranges"},
        "saltelli": {"kind", "n", "ranges"},
        "morris": {"kind", "n", "ranges", "levels"},
    }[kind]
    for key in design:
        if key not in allowed:
            raise SpecError(
                f"design: key {key!r} does not belong to a {kind} design"
                f" (it takes {', '.join(sorted(allowed))})"
            )
    spec = ExperimentSpec(
        name=name,
        seed=seed,
        replicates=replicates,
        design_kind=kind,
        fixed=dict(fixed),
        chunk_size=chunk_size,
        record=record,
        tables=tuple(dict.fromkeys(tables)),
        out=_typed(data, "out", str, ""),
        description=_typed(data, "description", str, ""),
        uncertainty=_uncertainty(data),
        people=_people(data, kind),
        **_design_fields(kind, design, fixed),
        **(
            {
                "population": population[0],
                "population_rows": population[1],
                "population_sha256": population[2],
            }
            if population
            else {}
        ),
    )
    if spec.n_points() <= VALIDATE_POINTS:
        spec.param_sets()  # every point must be a valid scenario (larger designs: in run_sweep,
    return spec  # after the size check, so a huge design is refused before it is built)


def _population(data: dict, fixed: dict) -> tuple[str, tuple[dict, ...], str] | None:
    """The ``population`` file: (path, validated rows, sha256 of its bytes), or None."""
    if "population" not in data:
        return None
    file = _typed(data, "population", str, None)
    try:
        raw = Path(file).read_bytes()
        table = pd.read_csv(io.BytesIO(raw))
    except (OSError, ValueError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
        raise SpecError(f"population = {file!r}: cannot read it as CSV ({reason})") from None
    from peersim.core.population import validate_population

    try:
        table = validate_population(table, Params())
    except ValueError as error:
        raise SpecError(f"population = {file!r}: {error}") from None
    n = len(table)
    if "group_size" in fixed and fixed["group_size"] != n:
        raise SpecError(
            f"population = {file!r} has {n} participants, so the group size is {n};"
            f" drop group_size = {fixed['group_size']!r} from [fixed]"
        )
    design = data.get("design", {})
    varied = [*design.get("factors", {}), *design.get("ranges", {})] if isinstance(design, dict) else []
    points = design.get("points", []) if isinstance(design, dict) else []
    if "group_size" in varied or any(isinstance(p, dict) and "group_size" in p for p in points):
        raise SpecError(
            f"population = {file!r} fixes the group size ({n}); the design cannot vary group_size"
        )
    rows = tuple({k: float(v) for k, v in row.items()} for row in table.to_dict("records"))
    return file, rows, hashlib.sha256(raw).hexdigest()


def _uncertainty(data: dict) -> str:
    value = _typed(data, "uncertainty", str, "none")
    if value not in UNCERTAINTY:
        raise SpecError(f"uncertainty = {show(value)} must be one of {', '.join(UNCERTAINTY)}")
    return value


def _people(data: dict, kind: str) -> str:
    value = _typed(data, "people", str, PEOPLE_DEFAULT[kind])
    if value not in PEOPLE:
        raise SpecError(
            f"people = {show(value)} must be one of {', '.join(PEOPLE)} (shared: every design point"
            f" meets the same people; own: each point draws its own){_near(value, PEOPLE)}"
        )
    return value


def _design_fields(kind: str, design: dict, fixed: dict) -> dict[str, Any]:
    if kind == "single":
        return {}
    if kind == "grid":
        factors = design.get("factors")
        if not isinstance(factors, dict) or not factors:
            raise SpecError("design: a grid needs [design.factors] with at least one parameter = [values]")
        for name, values in factors.items():
            if not isinstance(values, list) or not values:
                raise SpecError(f"design.factors.{name} must be a non-empty list of values")
        _check_params(factors, "design.factors", fixed)
        return {"factors": {k: list(v) for k, v in factors.items()}}
    if kind == "list":
        points = design.get("points")
        if not isinstance(points, list) or not points or not all(isinstance(p, dict) for p in points):
            raise SpecError("design: a list design needs points = [{name = value, ...}, ...] (at least one)")
        # names here, point by point; values with the design's parameter sets (ParamSets), which
        # checks each distinct value of a column once and names the point: building a Params per
        # value made a 10,000-point list take 13 s to read
        names: dict = {}
        for p in points:
            names.update(dict.fromkeys(p))
        _check_names(list(names), "design.points", fixed)
        for p in points:
            for value in p.values():
                if isinstance(value, dict):
                    raise SpecError(f"design.points: {show(value)} is a table, not a parameter's value")
        return {"points": [dict(p) for p in points]}
    n = design.get("n")
    if isinstance(n, bool | np.bool_) or not isinstance(n, numbers.Integral) or not 1 <= n <= MAX_COUNT:
        raise SpecError(f"design: n = {show(n)} must be a whole number of points, 1 to 2**63 - 1")
    n = int(n)
    if kind in ("sobol", "saltelli") and n & (n - 1):
        raise SpecError(
            f"design: a {kind} design needs n a power of two (got {n}; try {1 << n.bit_length()})"
        )
    levels = design.get("levels", 4)
    if kind == "morris" and (
        isinstance(levels, bool | np.bool_)
        or not isinstance(levels, numbers.Integral)
        or not 2 <= levels <= 1000
        or levels % 2
    ):
        raise SpecError(f"design: levels = {show(levels)} must be an even whole number, 2 to 1000")
    ranges = design.get("ranges")
    if not isinstance(ranges, dict) or not ranges:
        raise SpecError(f"design: a {kind} design needs [design.ranges] with name = [low, high]")
    chosen_ranges = {}
    for name, bounds in ranges.items():
        _check_names([name], "design.ranges", fixed)
        chosen_ranges[name] = _range(kind, name, bounds)
    chosen = {"n": n, "ranges": chosen_ranges}
    if kind == "morris":
        chosen["levels"] = levels
    return chosen


def _levels_of(name: str) -> bool:
    """Whether a parameter enters a range design as a list of its values (a boolean or a word)
    rather than as [low, high]."""
    return _PARAM_FIELDS[name].type in ("bool", "str")


def _range(kind: str, name: str, bounds: Any) -> list:
    """One entry of ``[design.ranges]``, checked: [low, high] for a number (whole numbers for an
    integer parameter, each of whose values then comes up equally often), or the list of values a
    boolean or a word takes (each value equally often: strata of the unit interval)."""
    f = _PARAM_FIELDS[name]
    where = f"design.ranges.{name}"
    if _levels_of(name):
        if kind not in _LEVELS_KINDS:
            raise SpecError(
                f"{where}: a {kind} design takes numeric ranges only; a boolean or a word can be a"
                f" factor of a {', '.join(_LEVELS_KINDS)} design"
            )
        # as the TOML line would read
        example = "[false, true]" if f.type == "bool" else json.dumps(list(f.metadata["choices"]))
        if not isinstance(bounds, list) or len(bounds) < 2:
            raise SpecError(
                f"{where} = {show(bounds)} must list the values it takes, e.g. {name} = {example}"
            )
        for value in bounds:
            if not isinstance(value, bool if f.type == "bool" else str):
                raise SpecError(f"{where}: {show(value)} is not a value of {name} (e.g. {name} = {example})")
            _one_value(name, value, where)
        if len(set(bounds)) < len(bounds):
            raise SpecError(f"{where} = {show(bounds)} lists a value twice")
        if kind == "morris" and len(bounds) > 2:
            raise SpecError(
                f"{where} = {show(bounds)}: {len(bounds)} values have no order, so a morris"
                " elementary effect (the change per step along a factor) means nothing for them;"
                " list two of them, or make it a factor of a saltelli, lhs or sobol design"
            )
        return list(bounds)
    if f.metadata["lo"] is None:
        raise SpecError(f"{where}: only numbers, booleans and words can be factors of a {kind} design")
    ok = isinstance(bounds, list | tuple) and len(bounds) == 2
    ok = ok and all(
        isinstance(b, numbers.Real) and not isinstance(b, bool | np.bool_) and _finite(b) for b in bounds
    )
    if not ok or bounds[0] >= bounds[1]:
        raise SpecError(f"{where} = {show(bounds)} must be [low, high] with low < high")
    lo, hi = f.metadata["lo"], f.metadata["hi"]
    if bounds[0] < lo or bounds[1] > hi:
        raise SpecError(f"{where} = {bounds} lies outside the parameter's valid range {lo} to {hi}")
    if f.type == "int" and kind in _EVEN_INTEGER_KINDS and not all(float(b).is_integer() for b in bounds):
        raise SpecError(
            f"{where} = {show(bounds)}: {name} is a whole number, so its range is two whole numbers"
            " (each value from low to high then comes up equally often)"
        )
    return [float(bounds[0]), float(bounds[1])]


def _check_params(values: dict, where: str, fixed: dict | None = None) -> None:
    _check_names(list(values), where, fixed)
    for name, value in values.items():
        if isinstance(value, list) and where == "design.factors":
            for v in value:
                _one_value(name, v, where)
        else:
            _one_value(name, value, where)


def _check_names(names: list[str], where: str, fixed: dict | None) -> None:
    for name in names:
        if not isinstance(name, str) or name not in _PARAM_FIELDS:
            raise SpecError(f"{where}: unknown parameter {show(name)}{_near(str(name), _PARAM_FIELDS)}")
        if fixed and name in fixed:
            raise SpecError(f"{where}: {name!r} is also in [fixed]; a parameter is either fixed or varied")


def _one_value(name: str, value: Any, where: str) -> None:
    try:
        Params(**{name: value})
    except ValueError as error:
        raise SpecError(f"{where}: {error}") from None


def _typed(data: dict, key: str, kind: type, default: Any) -> Any:
    if key not in data:
        if default is None:
            raise SpecError(f"missing required key {key!r}")
        return default
    value = data[key]
    if kind is int:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise SpecError(f"{key} = {show(value)} must be a whole number")
        return int(value)
    if kind is str and not isinstance(value, str):
        raise SpecError(f"{key} = {show(value)} must be a string")
    return value


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def _near(name: str, options) -> str:
    near = get_close_matches(name, list(options), n=1, cutoff=0.5)
    return f"; did you mean {near[0]!r}?" if near else ""
