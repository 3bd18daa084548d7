"""Damaged or hand-edited results folders (issue 21): one line and an exit code, never a traceback.

A tiny sweep and a tiny ``peersim run --out`` are made once per module; each test copies a folder
and edits one metadata file (a manifest line, design.json, spec.json, a provenance) the way a
person or a broken disk might. The fast part replays the reproducers of the issue; the slow part
is a seeded fuzz of many random edits against every command that reads a results folder
(``python tests/test_damaged.py [cases]`` prints its counts).
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import traceback
import warnings
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from peersim.apps.cli import main
from peersim.sweep import SerialExecutor, SpecError, load_results, parse_spec, run_sweep
from peersim.sweep.store import MANIFEST, seal

TINY = {
    "name": "tiny",
    "seed": 3,
    "replicates": 6,
    "chunk_size": 4,
    "fixed": {"follow_up_weeks": 2, "n_sessions": 4},
    "design": {"kind": "grid", "factors": {"group_size": [4, 6]}},
}
RUN = ("run", "--runs", "4", "--seed", "4", "--set", "n_sessions=4", "--quiet")
SWEEP_FILES = ("spec.json", "design.json", "provenance.json", MANIFEST)


@dataclass
class Call:
    args: tuple
    code: int | None
    out: str
    err: str
    crash: str | None = None  # the traceback of an exception that escaped


def call(*args) -> Call:
    """The CLI in-process (as a user would meet it: stdout, stderr, exit code), or the traceback."""
    out, err = io.StringIO(), io.StringIO()
    args = tuple(str(a) for a in args)
    with redirect_stdout(out), redirect_stderr(err), warnings.catch_warnings():
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse
            code = stop.code if isinstance(stop.code, int) else 2
        except BaseException:
            return Call(args, None, out.getvalue(), err.getvalue(), traceback.format_exc())
    return Call(args, code, out.getvalue(), err.getvalue())


def api(folder: Path) -> Call:
    """``load_results(folder).groups``: anything but a SpecError is a crash for a Python user."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            load_results(folder).groups  # noqa: B018
        except SpecError as error:
            return Call(("load_results",), 2, "", str(error))
        except Exception:
            return Call(("load_results",), None, "", "", traceback.format_exc())
    return Call(("load_results",), 0, "", "")


def cause(crash: str) -> str:
    """Where a traceback came from: its exception and the innermost frame in peersim."""
    frames = [line.strip() for line in crash.splitlines() if line.strip().startswith('File "')]
    ours = [f for f in frames if "/peersim/" in f and "/tests/" not in f] or frames
    where = ours[-1].split('File "', 1)[1] if ours else "?"
    path, _, rest = where.partition('", line ')
    return f"{crash.strip().splitlines()[-1].split(':')[0]} at {path.split('/peersim/')[-1]}:{rest}"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A complete tiny sweep (3 chunks) and a complete tiny run folder, made once."""
    base = tmp_path_factory.mktemp("made")
    run_sweep(parse_spec({**TINY, "out": str(base / "sweep")}), executor=SerialExecutor(), progress=False)
    made_run = call(*RUN, "--out", base / "run")
    assert made_run.code == 0, made_run.err + (made_run.crash or "")
    return base / "sweep", base / "run"


def copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns(".peersim.lock"))
    return target


# --- editing a metadata file -------------------------------------------------------------------
def edit_json(path: Path, change, reseal: bool = True) -> None:
    """Change a JSON file's content; ``reseal``: as a writer that sealed the changed content would
    (so what is checked is the schema, not the seal)."""
    data = json.loads(path.read_text())
    change(data)
    if reseal and isinstance(data, dict) and "seal" in data:
        data.pop("seal")
        data["seal"] = seal(data)
    path.write_text(json.dumps(data, indent=2))


def edit_manifest_line(folder: Path, change, line: int = 0, reseal: bool = True) -> None:
    path = folder / MANIFEST
    lines = path.read_text().splitlines()
    record = json.loads(lines[line])
    change(record)
    if reseal and "seal" in record:
        record.pop("seal")
        record["seal"] = seal(record)
    lines[line] = json.dumps(record, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")


def _first(record: dict, field: str, value) -> None:
    record[field][next(iter(record[field]))] = value


# The reproducers of issue 21 (each on a completed sweep's folder), and the file each damages.
REPRODUCERS = {
    "design-without-varied": (
        "design.json",
        lambda f: edit_json(f / "design.json", lambda d: d.pop("varied")),
    ),
    "design-unknown-column": (
        "design.json",
        lambda f: edit_json(f / "design.json", lambda d: d.update(varied=[*d["varied"], "nope"])),
    ),
    "spec-without-tables": ("spec.json", lambda f: edit_json(f / "spec.json", lambda d: d.pop("tables"))),
    "manifest-checksum-list": (
        MANIFEST,
        lambda f: edit_manifest_line(f, lambda r: r.update(sha256=list(r["sha256"].values()))),
    ),
    "manifest-bytes-string": (
        MANIFEST,
        lambda f: edit_manifest_line(f, lambda r: _first(r, "bytes", str(next(iter(r["bytes"].values()))))),
    ),
    "provenance-status-list": (
        "provenance.json",
        lambda f: edit_json(f / "provenance.json", lambda d: d.update(status=["complete"])),
    ),
    "design-seal-removed": (  # to pass for an older peersim's file
        "design.json",
        lambda f: edit_json(f / "design.json", lambda d: d.pop("seal"), reseal=False),
    ),
    "provenance-hand-edit": (  # a plausible edit, types intact: only a seal can tell
        "provenance.json",
        lambda f: edit_json(f / "provenance.json", lambda d: d.update(seed=99), reseal=False),
    ),
}


def one_line_error(result: Call) -> None:
    assert result.crash is None, result.crash
    assert result.code == 2, (result.args, result.code, result.out, result.err)
    errors = [line for line in result.err.splitlines() if line.startswith("peersim: error:")]
    assert len(errors) == 1 and "Traceback" not in result.err, result.err


@pytest.mark.parametrize("name", list(REPRODUCERS))
def test_reproducers_get_one_line_and_verify_names_the_file(made, tmp_path, name):
    file, damage = REPRODUCERS[name]
    folder = copy(made[0], tmp_path)
    damage(folder)
    verify = call("verify", folder)
    assert verify.crash is None, verify.crash
    assert verify.code == 1 and f"damaged: {file}" in verify.out, verify.out + verify.err
    for args in (("export", folder, "--out", tmp_path / "csv"), ("icamo", "--sweep", folder)):
        result = call(*args)
        one_line_error(result)
        assert file in result.err, result.err
    from peersim.sweep import DamagedResults

    with pytest.raises(DamagedResults, match=file.replace(".", r"\.")):
        load_results(folder).groups  # noqa: B018


def test_run_folder_provenance_files_as_a_list(made, tmp_path):
    folder = copy(made[1], tmp_path)
    edit_json(folder / "provenance.json", lambda d: d.update(files=sorted(d["files"])))
    verify = call("verify", folder)
    assert verify.crash is None, verify.crash
    assert verify.code == 1 and "damaged: provenance.json: field 'files'" in verify.out, verify.out
    again = call(*RUN, "--out", folder)
    one_line_error(again)
    assert "provenance.json" in again.err and "--overwrite" in again.err
    assert call(*RUN, "--out", folder, "--overwrite").code == 0  # the repair it names
    assert call("verify", folder).code == 0


def test_resume_rewrites_a_damaged_design(made, tmp_path):
    folder = copy(made[0], tmp_path)
    edit_json(folder / "design.json", lambda d: d.pop("varied"))
    error = call("export", folder, "--out", tmp_path / "csv")
    assert "--resume" in error.err, error.err
    assert call("sweep", folder, "--resume", "--quiet", "--workers", "1").code == 0
    assert call("verify", folder).code == 0
    assert call("export", folder, "--out", tmp_path / "csv").code == 0


def test_a_damaged_spec_or_provenance_names_its_true_repair(made, tmp_path):
    folder = copy(made[0], tmp_path)
    edit_json(folder / "spec.json", lambda d: d.pop("tables"))
    resumed = call("sweep", folder, "--resume", "--quiet", "--workers", "1")
    one_line_error(resumed)
    assert "spec.json" in resumed.err and "--overwrite" in resumed.err
    toml = tmp_path / "tiny.toml"
    toml.write_text(
        'name = "tiny"\nseed = 3\nreplicates = 6\nchunk_size = 4\n[fixed]\nfollow_up_weeks = 2\n'
        'n_sessions = 4\n[design]\nkind = "grid"\n[design.factors]\ngroup_size = [4, 6]\n'
    )
    assert call("sweep", toml, "--out", folder, "--overwrite", "--quiet", "--workers", "1").code == 0
    assert call("verify", folder).code == 0
    edit_json(folder / "provenance.json", lambda d: d.update(sessions_of_work="many"))
    resumed = call("sweep", folder, "--resume", "--quiet", "--workers", "1")
    one_line_error(resumed)
    assert "provenance.json" in resumed.err and "--overwrite" in resumed.err
    assert call("sweep", folder, "--overwrite", "--quiet", "--workers", "1").code == 0
    assert call("verify", folder).code == 0


def test_a_missing_metadata_file_is_damage(made, tmp_path):
    for name in ("design.json", "provenance.json", "spec.json", MANIFEST):
        folder = copy(made[0], tmp_path / name)
        (folder / name).unlink()
        verify = call("verify", folder)
        assert verify.crash is None, verify.crash
        assert verify.code == 1 and f"damaged: {name}: it is missing" in verify.out, verify.out
        one_line_error(call("export", folder, "--out", tmp_path / "csv"))


# --- the fuzz -----------------------------------------------------------------------------------
JUNK = ([], ["nope"], "nope", "", 0, -1, 10**30, 1.5, None, {}, {"nope": 1}, True)


def _path(doc, rng) -> list:
    """A random place inside a JSON value, one to three levels down."""
    path, here = [], doc
    while isinstance(here, (dict, list)) and len(here) and (not path or rng.random() < 0.5) and len(path) < 3:
        key = list(here)[rng.integers(len(here))] if isinstance(here, dict) else int(rng.integers(len(here)))
        path.append(key)
        here = here[key]
    return path


def _mutate(doc, rng) -> str:
    """Change a parsed JSON document in place; say how."""
    path = _path(doc, rng)
    if not path:
        return "nothing"
    *up, last = path
    parent = doc
    for key in up:
        parent = parent[key]
    how = rng.choice(["delete", "retype", "retype", "unknown"])
    if how == "delete":
        parent.pop(last)
    elif how == "retype":
        new = JUNK[rng.integers(len(JUNK))]
        old = parent[last]
        parent[last] = new
        if type(old) is type(new) and old == new:  # the same value again: no edit at all
            return "nothing"
    elif isinstance(parent, dict):  # an unknown name: a key renamed
        parent["nope"] = parent.pop(last)
    else:
        parent[last] = "nope"
    return f"{how} {'/'.join(map(str, path))}"


def damage(folder: Path, file: str, rng) -> str:
    """One random edit of one metadata file of ``folder``; say what it was."""
    path = folder / file
    whole = rng.random()
    if whole < 0.25:
        text = path.read_bytes()
        kinds = {
            "truncated": lambda: text[: rng.integers(len(text))],
            "empty": lambda: b"",
            "junk": lambda: rng.bytes(int(rng.integers(1, 200))),
            "not an object": lambda: [b"[1, 2]", b"3", b"null", b'"x"'][rng.integers(4)],
            "latin-1": lambda: text.decode().replace('"', '"\xe9', 1).encode("latin-1"),
            "deleted": lambda: None,
        }
        kind = list(kinds)[rng.integers(len(kinds))]
        new = kinds[kind]()
        if new is None:
            path.unlink()
        else:
            path.write_bytes(new)
        return f"{file}: {kind}"
    reseal = bool(rng.random() < 0.5)
    said = []
    if file == MANIFEST:
        line = int(rng.integers(len(path.read_text().splitlines())))
        edit_manifest_line(folder, lambda r: said.append(_mutate(r, rng)), line=line, reseal=reseal)
        return f"{file} line {line + 1}: {said[0]}{' (resealed)' if reseal else ''}"
    edit_json(path, lambda d: said.append(_mutate(d, rng)), reseal=reseal)
    return f"{file}: {said[0]}{' (resealed)' if reseal else ''}"


def fuzz(base: Path, made_sweep: Path, made_run: Path, cases: int, seed: int = 21) -> dict:
    """``cases`` random edits, each against every command that reads the edited folder."""
    rng = np.random.default_rng(seed)
    calls, crashes, causes, examples = Counter(), Counter(), Counter(), {}
    long_errors, missed = [], []  # errors of more than one line; damage verify did not report
    for case in range(cases):
        run_folder = rng.random() < 0.2
        file = "provenance.json" if run_folder else SWEEP_FILES[rng.integers(len(SWEEP_FILES))]
        folder = copy(made_run if run_folder else made_sweep, base / f"case{case}")
        what = damage(folder, file, rng)
        if run_folder:
            again = ("--overwrite",) if rng.random() < 0.5 else ()
            results = [call("verify", folder), call(*RUN, "--out", folder, *again), call("verify", folder)]
        else:
            results = [
                call("verify", folder),
                api(folder),
                call("export", folder, "--out", base / f"case{case}" / "csv", "--overwrite"),
                call("icamo", "--sweep", folder),
                call("sweep", folder, "--resume", "--quiet", "--workers", "1"),
                call("verify", folder),
            ]
        # an edit peersim did not seal is damage verify must report; not so a deleted run provenance
        # (the folder is no longer peersim's: verify says so, exit 2) or its seal taken off (a run
        # folder has no other file to tell it from an older peersim's); a resealed edit only if
        # its schema says so
        first = results[0]
        lost = run_folder and (
            "deleted" in what
            or what.startswith(("provenance.json: delete seal", "provenance.json: unknown seal"))
        )
        unsealed = not what.endswith(("(resealed)", ": nothing")) and not lost
        if unsealed and first.crash is None and not (first.code == 1 and "damaged:" in first.out):
            missed.append(f"{what}: verify said {first.code} {first.out.strip()[-200:]}")
        for result in results:
            if result.code == 2 and result.args[0] != "load_results":
                errors = [line for line in result.err.splitlines() if line.startswith("peersim: error:")]
                if len(errors) != 1 or "Traceback" in result.err:
                    long_errors.append(f"{what} -> {result.args[0]}: {result.err[-300:]}")
            kind = "api" if result.args == ("load_results",) else "cli"
            calls[kind] += 1
            if result.crash is not None:
                crashes[kind] += 1
                where = f"{kind}: {cause(result.crash)}"
                causes[where] += 1
                examples.setdefault(where, f"{what} -> {' '.join(result.args[:1])}")
        shutil.rmtree(base / f"case{case}")
    return {
        "calls": calls,
        "tracebacks": crashes,
        "causes": causes,
        "examples": examples,
        "long_errors": long_errors,
        "missed": missed,
    }


@pytest.mark.slow
def test_fuzz_of_edited_metadata_gives_no_traceback(made, tmp_path):
    found = fuzz(tmp_path, *made, cases=400)
    assert not found["tracebacks"], found["examples"]
    assert not found["long_errors"], found["long_errors"][:5]
    assert not found["missed"], found["missed"][:5]


if __name__ == "__main__":  # the counts for the issue: python tests/test_damaged.py [cases]
    import tempfile

    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        run_sweep(parse_spec({**TINY, "out": str(base / "sweep")}), executor=SerialExecutor(), progress=False)
        assert call(*RUN, "--out", base / "run").code == 0
        found = fuzz(base / "cases", base / "sweep", base / "run", cases)
    calls, crashes = found["calls"], found["tracebacks"]
    for kind, label in (("cli", "CLI calls"), ("api", "load_results calls")):
        distinct = sum(1 for where in found["causes"] if where.startswith(kind))
        print(f"{calls[kind]} {label}: {crashes[kind]} tracebacks, {distinct} distinct causes")
    for where, count in found["causes"].most_common():
        print(f"  {count:4d}  {where}   e.g. {found['examples'][where]}")
    print(f"{len(found['long_errors'])} errors not on one line; {len(found['missed'])} edits verify missed")
    for line in [*found["long_errors"], *found["missed"]][:20]:
        print("  " + line)
