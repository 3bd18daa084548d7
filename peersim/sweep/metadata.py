"""The metadata files of a results folder, checked against their schema as they are read.

    spec.json, design.json, provenance.json   JSON objects, each sealed (``"seal"``: a hash of the
                                              rest of its content) when written
    manifest.jsonl                            one sealed record a line (store.py)

A file that is missing, not JSON, of the wrong shape, or edited since peersim wrote it (its seal
differs) raises :class:`DamagedResults`: one line naming the file, the field and the repair that
is true for that file. Readers everywhere (load_results, export, verify, --resume, ``peersim run
--out``) go through here, so a hand-edited folder never reaches code that trusts its shape. Files
written before seals were (an older peersim) carry none: their shape is checked, edits cannot be.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peersim.core.params import show
from peersim.sweep.errors import SpecError

#: the tables a results folder can hold (a spec keeps some of them); "control": the same runs in
#: the control arm (group rows), for trial effect sizes per point
TABLES = ("participants", "groups", "sessions", "control")
SEAL = "seal"
STATUSES = ("running", "complete", "interrupted", "failed")


class DamagedResults(SpecError):
    """A results folder whose metadata is missing, malformed or edited: the file, what is wrong
    with it and the repair, in one line (a ``SpecError``: the CLI exits 2)."""

    def __init__(self, path: Path, what: str, repair: str, message: str | None = None) -> None:
        self.path, self.what, self.repair = Path(path), what, repair
        super().__init__(message or f"{path}: {what}; the folder is damaged. Repair: {repair}")

    @property
    def file(self) -> str:
        return self.path.name

    def __reduce__(self):  # whole across processes (a pickled exception is rebuilt from its args)
        return type(self), (self.path, self.what, self.repair, str(self))


def seal(record: dict) -> str:
    """A hash of a record's content (without its seal): a torn, garbled or edited one fails it."""
    body = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def sealed(data: dict) -> dict:
    """``data`` as it will read back from JSON, with its seal (computed on that, so it holds)."""
    plain = json.loads(json.dumps({k: v for k, v in data.items() if k != SEAL}, default=str))
    return {**plain, SEAL: seal(plain)}


# --- the repair that is true for each file ---------------------------------------------------------
def spec_repair(folder: Path) -> str:
    return (
        "restore it from a copy, or run the sweep again from its TOML spec:"
        f" peersim sweep SPEC.toml --out {folder} --overwrite (--resume cannot rebuild a spec)"
    )


def design_repair(folder: Path) -> str:
    return f"peersim sweep {folder} --resume (it rewrites design.json from spec.json)"


def provenance_repair(folder: Path) -> str:
    return (
        f"restore it from a copy, or run the sweep again: peersim sweep {folder} --overwrite"
        " (--resume cannot rebuild the record of earlier work)"
    )


RUN_REPAIR = "restore it from a copy, or run the same peersim run again with --overwrite"
REPAIRS = {"spec.json": spec_repair, "design.json": design_repair, "provenance.json": provenance_repair}


def removed_seal(folder: Path, seals: dict[str, bool]) -> DamagedResults | None:
    """A sweep writes its three metadata files together, so if one carries a seal all do: one
    without is one whose seal was taken off (an edit that hoped to pass for an older peersim's)."""
    if not any(seals.values()):
        return None
    name = next((name for name, has in seals.items() if not has), None)
    if name is None:
        return None
    what = "it carries no seal though the folder's other metadata files do (edited by hand?)"
    return DamagedResults(folder / name, what, REPAIRS[name](folder))


# --- kinds of value ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    """What a field must be: its name in messages, a test, and for a list or an object of
    entries the kind of each (so a message can name the entry that is wrong)."""

    name: str
    ok: Callable[[Any], bool]
    entries: Kind | None = None  # each item of a list, or each value of an object
    keys: Kind | None = None  # each key of an object of entries


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


TEXT = Kind("text", lambda v: isinstance(v, str))
WHOLE = Kind("a whole number", _whole)
COUNT = Kind("a whole number >= 0", lambda v: _whole(v) and v >= 0)
OBJECT = Kind("an object", lambda v: isinstance(v, dict))
ANY = Kind("anything", lambda v: True)
SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")  # stays inside the folder
NAME = Kind("a file name", lambda v: isinstance(v, str) and SAFE_NAME.fullmatch(v) is not None)
HEX64 = re.compile(r"[0-9a-f]{64}")
SHA256 = Kind("a SHA-256 (64 hex digits)", lambda v: isinstance(v, str) and HEX64.fullmatch(v) is not None)
STATUS = Kind(f"one of {', '.join(STATUSES)}", lambda v: v in STATUSES)


def maybe(kind: Kind) -> Kind:
    return Kind(f"{kind.name} or null", lambda v: v is None or kind.ok(v))


def list_of(kind: Kind, unique: bool = False) -> Kind:
    def ok(v: Any) -> bool:
        if not isinstance(v, list) or not all(kind.ok(x) for x in v):
            return False
        return not unique or len({json.dumps(x, sort_keys=True) for x in v}) == len(v)

    return Kind(f"a list of {kind.name}{' (each once)' if unique else ''}", ok, entries=kind)


def map_of(kind: Kind, keys: Kind = NAME, name: str = "") -> Kind:
    return Kind(
        name or f"an object of {kind.name}",
        lambda v: isinstance(v, dict) and all(keys.ok(k) and kind.ok(x) for k, x in v.items()),
        entries=kind,
        keys=keys,
    )


TABLE_LIST = Kind(
    f"a list of tables ({', '.join(TABLES)}), each once",
    lambda v: isinstance(v, list) and bool(v) and all(t in TABLES for t in v) and len(set(v)) == len(v),
)


def _what(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    kinds = {str: "text", int: "a number", float: "a number", list: "a list", dict: "an object"}
    kind = next((name for t, name in kinds.items() if isinstance(value, t)), type(value).__name__)
    return f"{kind} ({show(value, 40)})" if not isinstance(value, (list, dict)) else kind


def problem(data: dict, schema: dict[str, tuple[Kind, bool]], where: str = "") -> str | None:
    """What is wrong with ``data`` against ``schema`` (field: (kind, required)), or None."""
    for name, (kind, required) in schema.items():
        if name not in data:
            if required:
                return f"field '{where}{name}' is missing"
            continue
        if not kind.ok(data[name]):
            return f"field '{where}{name}' {_wrong(data[name], kind)}"
    return None


def _wrong(value: Any, kind: Kind) -> str:
    """How ``value`` fails ``kind``, down to the entry that is wrong."""
    entries = kind.entries
    if entries is not None and isinstance(value, dict) and kind.keys is not None:
        for key, item in value.items():
            if not kind.keys.ok(key):
                return f"has a strange key {show(key)} (not {kind.keys.name})"
            if not entries.ok(item):
                return f"[{show(key)}] {_wrong(item, entries)}"
    if entries is not None and isinstance(value, list) and kind.keys is None:
        for index, item in enumerate(value):
            if not entries.ok(item):
                return f"[{index}] {_wrong(item, entries)}"
    return f"is {_what(value)}, not {kind.name}"


# --- the files ----------------------------------------------------------------------------------------
def _read_object(path: Path, repair: str, seals: dict[str, bool] | None) -> dict:
    """A JSON object read from ``path`` (its seal, if it has one, taken off and checked later)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DamagedResults(path, "it is missing", repair) from None
    except OSError as error:
        raise DamagedResults(path, f"it cannot be read ({error.strerror or error})", repair) from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))  # a byte-order mark from an editor is no harm
    except UnicodeDecodeError as error:
        raise DamagedResults(path, f"it is not UTF-8 text (byte {error.start})", repair) from None
    except (ValueError, RecursionError) as error:
        reason = " ".join(str(error).split())[:100] or "empty"
        raise DamagedResults(path, f"it is not valid JSON ({reason})", repair) from None
    if not isinstance(data, dict):
        raise DamagedResults(path, f"it is {_what(data)}, not a JSON object", repair)
    if seals is not None:  # whether each file read carried a seal (see removed_seal)
        seals[path.name] = SEAL in data
    return data


def _check_seal(path: Path, data: dict, repair: str) -> dict:
    """``data`` without its seal, once the seal holds (checked after the schema, whose message is
    the more precise)."""
    if SEAL not in data:
        return data
    rest = {k: v for k, v in data.items() if k != SEAL}
    if data[SEAL] != seal(rest):
        raise DamagedResults(path, "it has been edited since peersim wrote it (its seal differs)", repair)
    return rest


SPEC_SCHEMA = {
    "name": (TEXT, True),
    "description": (maybe(TEXT), False),
    "uncertainty": (TEXT, False),
    "population": (TEXT, False),
    "people": (TEXT, False),
    "seed": (WHOLE, True),
    "replicates": (COUNT, True),
    "chunk_size": (COUNT, True),
    "record": (TEXT, True),
    "tables": (TABLE_LIST, True),
    "out": (TEXT, False),
    "fixed": (OBJECT, True),
    "design": (OBJECT, True),
    "fingerprint": (TEXT, True),
    "code": (TEXT, True),
}


def spec_file(path: Path) -> tuple[Path, Path]:
    """(folder, spec file) of a results folder or of its spec.json."""
    path = Path(path)
    return (path, path / "spec.json") if path.is_dir() else (path.parent, path)


def read_spec_json(path: str | Path, seals: dict[str, bool] | None = None) -> dict:
    """A results folder's spec.json (or the file itself), checked; without its seal."""
    folder, path = spec_file(Path(path))
    repair = spec_repair(folder)
    data = _read_object(path, repair, seals)
    wrong = problem(data, SPEC_SCHEMA) or problem(data["design"], {"kind": (TEXT, True)}, "design.")
    if wrong:
        raise DamagedResults(path, wrong, repair)
    return _check_seal(path, data, repair)


DESIGN_SCHEMA = {
    "varied": (list_of(TEXT, unique=True), True),
    "points": (list_of(OBJECT), True),
    "fixed": (OBJECT, True),
}


def read_design(folder: str | Path, seals: dict[str, bool] | None = None) -> dict:
    """A results folder's design.json, checked: every point numbered once and naming every
    varied parameter; without its seal."""
    folder = Path(folder)
    path, repair = folder / "design.json", design_repair(folder)
    data = _read_object(path, repair, seals)
    wrong = problem(data, DESIGN_SCHEMA)
    if wrong is None and "point" in data["varied"]:
        wrong = "field 'varied' names 'point', which is the points' number, not a parameter"
    if wrong is None:
        numbers = set()
        for index, point in enumerate(data["points"]):
            value = point.get("point")
            missing = next((v for v in data["varied"] if v not in point), None)
            if not _whole(value) or value in numbers:
                wrong = f"field 'points' [{index}] has no number of its own ('point' is {_what(value)})"
            elif missing is not None:
                wrong = f"field 'varied' names {show(missing)}, which point {value} does not give"
            elif any(isinstance(point[v], dict) for v in data["varied"]):
                wrong = f"field 'points' [{index}] gives an object as a parameter's value"
            if wrong:
                break
            numbers.add(value)
    if wrong:
        raise DamagedResults(path, wrong, repair)
    return _check_seal(path, data, repair)


FILE_ENTRY = {"bytes": (COUNT, True), "sha256": (SHA256, True), "rows": (COUNT, False)}
SWEEP_PROVENANCE = {
    "kind": (TEXT, False),
    "name": (TEXT, False),
    "fingerprint": (TEXT, False),
    "code": (TEXT, False),
    "seed": (WHOLE, False),
    "replicates": (COUNT, False),
    "versions": (OBJECT, False),
    "git_commit": (maybe(TEXT), False),
    "platform": (OBJECT, False),
    "executor": (TEXT, False),
    "status": (STATUS, True),
    "chunks_total": (COUNT, True),
    "chunks_done": (COUNT, False),
    "started": (TEXT, False),
    "finished": (maybe(TEXT), False),
    "last_stopped": (maybe(TEXT), False),
    "sessions_of_work": (COUNT, False),
    "runs_of_work": (list_of(OBJECT), False),
    "reason": (maybe(TEXT), False),
}
RUN_PROVENANCE = {
    "kind": (TEXT, True),
    "fingerprint": (TEXT, True),
    "code": (TEXT, False),
    "seed": (WHOLE, False),
    "runs": (COUNT, False),
    "params": (OBJECT, False),
    "changed": (list_of(ANY), False),
    "versions": (OBJECT, False),
    "platform": (OBJECT, False),
    "started": (TEXT, False),
    "finished": (maybe(TEXT), False),
    "status": (STATUS, True),
    "reason": (maybe(TEXT), False),
    "files": (map_of(OBJECT, name="an object of file name: {bytes, sha256, rows}"), True),
}


def read_provenance(
    path: str | Path, expect: str | None = None, seals: dict[str, bool] | None = None
) -> dict:
    """A provenance.json, checked against the schema of its kind (a sweep's, or ``peersim run``'s
    with ``"kind": "run"``); ``expect`` ("sweep" or "run") refuses the other kind. Without its seal."""
    path = Path(path)
    data = _read_object(path, provenance_repair(path.parent), seals)
    kind = "run" if data.get("kind") == "run" else "sweep"
    repair = RUN_REPAIR if kind == "run" else provenance_repair(path.parent)
    wrong = problem(data, RUN_PROVENANCE if kind == "run" else SWEEP_PROVENANCE)
    if wrong is None and kind == "run":
        wrong = next(
            (
                f"field 'files' [{show(name)}]: {entry_wrong.removeprefix('field ')}"
                for name, entry in data["files"].items()
                if (entry_wrong := problem(entry, FILE_ENTRY))
            ),
            None,
        )
    if wrong is None and expect is not None and kind != expect:
        wrong = f"field 'kind' says {show(data.get('kind', 'sweep'))} in the folder of a {expect}"
    if wrong:
        raise DamagedResults(path, wrong, repair)
    return _check_seal(path, data, repair)


MANIFEST_RECORD = {
    "chunk": (NAME, True),
    "start": (COUNT, False),
    "stop": (COUNT, False),
    "rows": (map_of(COUNT), True),
    "bytes": (map_of(COUNT), False),
    "sha256": (map_of(SHA256), False),
    "time": (TEXT, False),
}


def manifest_record_problem(record: dict) -> str | None:
    """What is wrong with a manifest record whose seal holds (or that is of an older peersim,
    unsealed), or None: it must name its chunk and its tables' rows, sizes and checksums."""
    wrong = problem(record, MANIFEST_RECORD)
    if wrong:
        return wrong
    if not record["rows"]:
        return "field 'rows' names no tables"
    for field in ("bytes", "sha256"):
        lacking = [t for t in record["rows"] if field in record and t not in record[field]]
        if lacking:
            return f"field '{field}' lacks table {show(lacking[0])}"
    return None
