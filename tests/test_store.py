"""The results store under fault injection: every way issue 9 lost, mixed or corrupted results.

Small specs in temporary folders; each damage is made by hand (a torn or garbled manifest line, a
deleted, truncated or altered chunk file, a second writer, a user's file in the folder, a parent
killed under its workers), and each must be detected, named, and repaired by ``--resume``.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from peersim.apps.cli import main
from peersim.sweep import SerialExecutor, SpecError, load_results, load_spec, parse_spec, run_sweep
from peersim.sweep.budget import LimitError, LimitWarning, cap_workers, cores
from peersim.sweep.metadata import sealed
from peersim.sweep.results import verify_folder
from peersim.sweep.store import MANIFEST, Store, StoreWarning, write_atomic

TINY = {
    "name": "tiny",
    "seed": 3,
    "replicates": 6,
    "chunk_size": 4,
    "fixed": {"follow_up_weeks": 2, "n_sessions": 4},
    "design": {"kind": "grid", "factors": {"group_size": [4, 6]}},
}


def tiny(tmp_path, folder="run", **changes):
    return parse_spec({**TINY, "out": str(tmp_path / folder), **changes})


def sweep(spec, **kwargs):
    return run_sweep(spec, executor=SerialExecutor(), progress=False, **kwargs)


def groups(folder, **kwargs) -> pd.DataFrame:
    return load_results(folder, **kwargs).groups


@pytest.fixture
def reference(tmp_path):
    """A complete tiny sweep (3 chunks) and its groups table, to compare repairs against."""
    spec = tiny(tmp_path, "reference")
    sweep(spec)
    return spec, groups(spec.out_dir)


def chunk_file(spec, chunk="c0000001", table="groups") -> Path:
    return spec.out_dir / table / f"{chunk}.parquet"


def repaired(spec, expected: pd.DataFrame, redone: int) -> None:
    """--resume runs exactly the damaged chunks again and the tables are whole and as before."""
    with pytest.warns(StoreWarning, match="run again"):
        report = sweep(spec, resume=True)
    assert report.chunks_run == redone
    pd.testing.assert_frame_equal(groups(spec.out_dir, verify=True), expected)
    ok, lines = verify_folder(spec.out_dir)
    assert ok, lines


# --- the manifest ----------------------------------------------------------------------------------
def test_manifest_records_are_sealed_with_counts_sizes_and_checksums(reference):
    spec, _ = reference
    records = [json.loads(line) for line in (spec.out_dir / MANIFEST).read_text().splitlines()]
    assert len(records) == 3
    for record in records:
        assert set(record["rows"]) == set(record["sha256"]) == set(record["bytes"]) == set(spec.tables)
        assert len(record["seal"]) == 16
    assert records[0]["rows"]["groups"] == 4


def test_torn_last_line_is_redone_and_never_swallows_the_next_record(tmp_path, reference):
    spec, expected = reference
    manifest = spec.out_dir / MANIFEST
    data = manifest.read_bytes()
    torn = json.loads(data.splitlines()[-1])["chunk"]
    manifest.write_bytes(data[:-40])  # the last record cut mid-line, no newline
    with pytest.raises(SpecError, match="already holds 2 sound chunks"):
        sweep(spec)
    with pytest.warns(StoreWarning, match=r"manifest.jsonl line 3 \(chunk c\d+'s record\) is torn"):
        report = sweep(spec, resume=True)
    assert report.chunks_run == 1
    lines = manifest.read_bytes().split(b"\n")
    assert json.loads(lines[3])["chunk"] == torn  # on a fresh line after the fragment
    pd.testing.assert_frame_equal(groups(spec.out_dir), expected)


def test_a_write_cut_by_a_file_size_limit_then_resume_gives_every_run(tmp_path):
    """The issue's case: (ulimit -f ...; peersim sweep) with one course per chunk, then --resume."""
    spec_file = tmp_path / "torn.toml"
    spec_file.write_text(
        'name = "torn"\nseed = 1\nreplicates = 120\nchunk_size = 1\ntables = ["groups"]\n'
        "[fixed]\nfollow_up_weeks = 1\nn_sessions = 2\ngroup_size = 3\n"
    )
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "peersim.apps.cli", "sweep", str(spec_file), "--workers", "1", "--quiet"]
    cmd += ["--out", str(out)]
    limit = 24_000  # bytes: the manifest reaches it part-way, mid-line

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    cut = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=small_files)
    assert cut.returncode == 1 and "File too large" in cut.stderr and "Traceback" not in cut.stderr
    assert (out / MANIFEST).stat().st_size == limit  # a torn last line
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["status"] == "failed" and "File too large" in provenance["reason"]
    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    res = load_results(out, verify=True)
    assert res.complete and len(res.groups) == 120
    assert res.groups.run.tolist() == list(range(120))


def test_garbled_line_and_line_without_chunk(reference):
    spec, expected = reference
    manifest = spec.out_dir / MANIFEST
    lines = sorted(manifest.read_text().splitlines())  # c0000000, c0000001, c0000002
    lines[1] = lines[1].replace('"groups":4', '"groups":5', 1)  # a changed count: the seal fails
    lines.insert(2, '{"rows": {"groups": 4}}')  # no "chunk": must not crash anything
    lines.insert(0, "[1, 2]")
    manifest.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match=r"line 3 \(chunk c0000001's record\) is torn or garbled") as error:
        load_results(spec.out_dir)
    assert f"Repair: peersim sweep {spec.out_dir} --resume" in str(error.value)
    assert "\n" not in str(error.value)
    ok, report = verify_folder(spec.out_dir)
    assert not ok and any("line 4" in line for line in report)
    repaired(spec, expected, redone=1)


def _delete(spec):
    chunk_file(spec).unlink()


def _truncate_and_empty(spec):
    first = chunk_file(spec, "c0000000", "participants")
    first.write_bytes(first.read_bytes()[:100])
    chunk_file(spec, "c0000002").write_bytes(b"")


@pytest.mark.parametrize(
    ("damage", "named", "redone"),
    [
        pytest.param(_delete, r"c0000001: groups/c0000001.parquet is missing.*--resume", 1, id="deleted"),
        pytest.param(
            _truncate_and_empty,
            r"c0000000: participants/c0000000\.parquet has 100 bytes",
            2,
            id="truncated-and-emptied",
        ),
    ],
)
def test_lost_or_cut_chunks_are_named_and_redone(reference, damage, named, redone):
    spec, expected = reference
    damage(spec)
    with pytest.raises(SpecError, match=named):
        load_results(spec.out_dir)
    repaired(spec, expected, redone=redone)


def test_flipped_bytes_are_caught_by_checksums(reference):
    spec, expected = reference
    path = chunk_file(spec, "c0000001", "participants")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))  # same size, footer intact
    with pytest.raises(SpecError, match=r"c0000001: participants/c0000001\.parquet has changed"):
        load_results(spec.out_dir, verify=True)
    with pytest.raises(SpecError, match="checksum differs"):  # reading the whole table checks too
        load_results(spec.out_dir).participants  # noqa: B018
    assert main(["verify", str(spec.out_dir)]) == 1
    repaired(spec, expected, redone=1)
    assert main(["verify", str(spec.out_dir)]) == 0


def test_sweep_of_a_results_folder_repairs_it(reference, capsys):
    spec, expected = reference
    chunk_file(spec).unlink()
    assert main(["sweep", str(spec.out_dir), "--resume", "--quiet", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "1 chunks run" in captured.out and "peersim: warning:" in captured.err
    pd.testing.assert_frame_equal(groups(spec.out_dir), expected)


# --- one writer ------------------------------------------------------------------------------------
def test_a_second_writer_is_refused_naming_the_first(tmp_path):
    spec = tiny(tmp_path)
    holder = Store(spec.out_dir)
    holder.claim()
    try:
        with pytest.raises(SpecError, match=rf"being written by another peersim \(pid {os.getpid()} on"):
            sweep(spec)
        with pytest.raises(SpecError, match="being written"):
            sweep(spec.replace(seed=4), overwrite=True)
        assert load_results_status(spec) is None  # nothing was written by the refused ones
    finally:
        holder.release()
    sweep(spec)
    assert load_results(spec.out_dir).status == "complete"


def load_results_status(spec):
    return None if not (spec.out_dir / "provenance.json").exists() else "written"


def test_a_killed_writer_releases_the_folder_and_reads_as_stopped(tmp_path):
    spec = tiny(tmp_path)
    sweep(spec)
    code = (
        "import sys, time; from peersim.sweep.store import Store;"
        f"s = Store({str(spec.out_dir)!r}); s.claim(); print('held', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    assert Store(spec.out_dir).locked_by_someone()
    with pytest.raises(SpecError, match=f"pid {proc.pid}"):
        sweep(spec)
    proc.kill()
    proc.wait()
    assert not Store(spec.out_dir).locked_by_someone()
    provenance = spec.out_dir / "provenance.json"
    record = json.loads(provenance.read_text())  # as a writer stopped mid-sweep leaves it: sealed
    provenance.write_text(json.dumps(sealed({**record, "status": "running"})))
    assert Store(spec.out_dir).status() == "stopped"  # nobody holds it: not running


def test_temporary_names_are_unique_per_process_and_call(tmp_path):
    seen = []
    for _ in range(2):
        write_atomic(tmp_path / "x.json", lambda p: (seen.append(p.name), p.write_text("{}")))
    assert seen[0] != seen[1] and str(os.getpid()) in seen[0]
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


# --- overwrite and paths ---------------------------------------------------------------------------
def test_overwrite_removes_only_what_the_store_recorded(reference):
    spec, _ = reference
    (spec.out_dir / "notes.txt").write_text("mine")
    (spec.out_dir / "groups" / "mine.csv").write_text("a,b\n")
    other = spec.replace(seed=11)
    with pytest.warns(StoreWarning, match=r"left in place: groups/mine.csv, notes.txt"):
        sweep(other, overwrite=True)
    assert (spec.out_dir / "notes.txt").read_text() == "mine"
    assert (spec.out_dir / "groups" / "mine.csv").exists()
    assert load_results(spec.out_dir).provenance["seed"] == 11


def test_a_folder_without_a_store_is_refused_without_suggesting_overwrite(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("chapter 1")
    spec = tiny(tmp_path, "mine")
    for overwrite in (False, True):
        with pytest.raises(SpecError, match=r"not empty and holds no peersim results \(thesis.tex\)") as e:
            sweep(spec, overwrite=overwrite)
        assert "--overwrite" not in str(e.value)
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex"]


def test_a_spec_files_out_outside_the_current_folder_needs_confirming(tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    spec_file = work / "s.toml"
    spec_file.write_text('replicates = 2\nout = "../elsewhere"\n[fixed]\nfollow_up_weeks = 1\n')
    assert main(["sweep", str(spec_file), "--quiet", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "lies outside the current folder" in err and "--allow-outside" in err
    assert not (tmp_path / "elsewhere").exists()
    assert main(["sweep", str(spec_file), "--quiet", "--workers", "1", "--allow-outside"]) == 0
    assert main(["sweep", str(spec_file), "--quiet", "--out", str(tmp_path / "given")]) == 0


# --- limits ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes",
    [
        {"replicates": 10**12},
        {
            "design": {  # 10^9 points
                "kind": "grid",
                "factors": {
                    name: [round(0.1 * i, 1) for i in range(10)]
                    for name in (
                        "facilitator_skill",
                        "facilitator_disclosure",
                        "facilitator_recovery_stage",
                        "employed_share",
                        "lives_alone_share",
                        "diagnosis_share",
                        "case_worker_support",
                        "safety_arrival",
                        "safety_base",
                    )
                },
            }
        },
        {"design": {"kind": "lhs", "n": 10**9, "ranges": {"facilitator_skill": [0.1, 0.9]}}},
    ],
)
def test_oversize_sweeps_are_refused_within_a_second(tmp_path, changes):
    start = time.perf_counter()
    spec = tiny(tmp_path, **changes)
    with pytest.raises(LimitError, match=r"need about .* of (memory|disk).*--force to start anyway") as error:
        sweep(spec)
    assert time.perf_counter() - start < 1.0
    assert "\n" not in str(error.value)
    assert not spec.out_dir.exists()


def test_oversize_runs_are_refused_with_one_line(tmp_path, capsys):
    start = time.perf_counter()
    assert main(["run", "--runs", "300000000", "--out", str(tmp_path / "big")]) == 2
    err = capsys.readouterr().err.strip()
    assert "300,000,000 runs need about" in err and "of disk" in err and "--force" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "big").exists()
    assert main(["knockout", "--runs", "300000000"]) == 2  # takes one whole simulation in memory
    err = capsys.readouterr().err.strip()
    assert "of memory" in err and len(err.splitlines()) == 1
    assert time.perf_counter() - start < 2.0


def test_run_streams_blocks_to_the_same_tables_and_summaries(tmp_path, monkeypatch, capsys):
    import peersim
    from peersim.report.summary import Summary
    from peersim.run import limits

    args = ["run", "--runs", "30", "--seed", "2", "--set", "group_size=5", "--set", "follow_up_weeks=2"]
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    monkeypatch.setattr(limits, "BLOCK_MEMORY", 1)  # blocks of the minimum: 200 runs ...
    monkeypatch.setattr(limits, "run_block", lambda *a, **k: 7)  # ... or here, 7
    assert main([*args, "--out", str(tmp_path / "blocks")]) == 0
    whole, blocks = (pd.read_parquet(tmp_path / f / "participants.parquet") for f in ("whole", "blocks"))
    pd.testing.assert_frame_equal(whole, blocks)
    params = peersim.Params(group_size=5, follow_up_weeks=2)
    direct = peersim.simulate(params, runs=30, seed=2)
    pd.testing.assert_frame_equal(direct.groups, pd.read_parquet(tmp_path / "blocks" / "groups.parquet"))
    for name in ("outcome_changes", "effect_vs_control", "headline"):
        a, b = (pd.read_csv(tmp_path / f / f"{name}.csv") for f in ("whole", "blocks"))
        pd.testing.assert_frame_equal(a, b, rtol=1e-5)
    merged = Summary(params, 2)
    for first in range(0, 30, 7):
        merged.add(peersim.simulate(params, runs=min(7, 30 - first), seed=2, first_run=first))
    for name, value in Summary.of(direct).headline().items():
        assert merged.headline()[name] == pytest.approx(value, rel=1e-6), name


def test_workers_are_capped_at_the_cores_unless_forced():
    with pytest.warns(LimitWarning, match="more than the"):
        assert cap_workers(cores() + 14) == cores()
    assert cap_workers(cores() + 14, force=True) == cores() + 14
    assert cap_workers(None) == cores()


# --- failures are recorded -------------------------------------------------------------------------
def test_a_failed_write_is_recorded_with_its_reason(tmp_path, monkeypatch):
    import peersim.sweep.store as store

    spec = tiny(tmp_path)
    real, calls = store.write_parquet, []

    def full_disk(table, path):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, path)

    monkeypatch.setattr(store, "write_parquet", full_disk)
    with pytest.raises(OSError, match="No space left"):
        sweep(spec)
    provenance = json.loads((spec.out_dir / "provenance.json").read_text())
    assert provenance["status"] == "failed" and "No space left on device" in provenance["reason"]
    assert not list(spec.out_dir.rglob("*.tmp"))  # the temporary file went too
    monkeypatch.setattr(store, "write_parquet", real)
    assert sweep(spec, resume=True).chunks_run == 2
    assert load_results(spec.out_dir).provenance["reason"] is None


# --- no orphans ------------------------------------------------------------------------------------
def _descendants_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.time() + seconds
    alive = pids
    while alive and time.time() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
        time.sleep(0.1)
    return alive


def _wait_for(condition, seconds: float) -> None:
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def test_killing_the_sweep_leaves_no_worker(tmp_path):
    spec_file = tmp_path / "long.toml"
    spec_file.write_text('name = "long"\nseed = 1\nreplicates = 20000\nchunk_size = 20\n')
    out = tmp_path / "long"
    cmd = [sys.executable, "-m", "peersim.apps.cli", "sweep", str(spec_file), "--workers", "2", "--force"]
    proc = subprocess.Popen([*cmd, "--quiet", "--out", str(out)], stderr=subprocess.DEVNULL)
    main_process = psutil.Process(proc.pid)
    _wait_for(lambda: (out / MANIFEST).exists() and len(main_process.children()) >= 2, 60)
    children = [c.pid for c in main_process.children(recursive=True)]
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, as a crash or the OOM killer would
    proc.wait()
    assert _descendants_gone(children, 5.0) == []
    assert not Store(out).locked_by_someone()


def test_killing_a_dask_local_cluster_client_leaves_no_worker(tmp_path):
    script = tmp_path / "dask_sweep.py"
    script.write_text(
        "import sys\n"
        "from distributed import LocalCluster\n"
        "from peersim.sweep import parse_spec, run_sweep\n"
        "if __name__ == '__main__':\n"
        "    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True,"
        " dashboard_address=None)\n"
        "    spec = parse_spec({'name': 'd', 'replicates': 50000, 'chunk_size': 20,"
        f" 'out': {str(tmp_path / 'dask')!r}}})\n"
        "    run_sweep(spec, scheduler=cluster.scheduler_address, progress=False, force=True)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script)], stderr=subprocess.DEVNULL)
    main_process = psutil.Process(proc.pid)
    _wait_for(lambda: (tmp_path / "dask" / MANIFEST).exists(), 90)
    children = [c.pid for c in main_process.children(recursive=True)]
    assert children
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _descendants_gone(children, 5.0) == []


def test_killing_peersim_viz_stops_its_server():
    proc = subprocess.Popen(
        [sys.executable, "-m", "peersim.apps.cli", "viz", "--port", "8799", "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    viz = psutil.Process(proc.pid)
    _wait_for(lambda: viz.children(), 30)
    time.sleep(1.0)  # the server is up and has set its lifeline
    children = [c.pid for c in viz.children(recursive=True)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _descendants_gone(children, 5.0) == []


# --- peersim run --out -----------------------------------------------------------------------------
def test_run_out_writes_provenance_and_guards_other_scenarios(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--runs", "12", "--seed", "4", "--out", str(out), "--set", "group_size=5"]) == 0
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["status"] == "complete" and prov["seed"] == 4 and prov["runs"] == 12
    assert prov["params"]["group_size"] == 5 and prov["changed"] == ["group_size=5"]
    assert {"python", "numpy", "peersim"} <= set(prov["versions"]) and "git_commit" in prov
    assert prov["files"]["groups.parquet"]["rows"] == 12 and len(prov["files"]["summary.png"]["sha256"]) == 64
    assert main(["verify", str(out)]) == 0
    (out / "headline.csv").write_text("statistic,value\n")
    assert main(["verify", str(out)]) == 1
    assert "damaged: headline.csv has" in capsys.readouterr().out
    assert main(["run", "--runs", "12", "--seed", "5", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds the results of another scenario (12 runs, seed 4, group_size=5)" in err
    assert json.loads((out / "provenance.json").read_text())["seed"] == 4  # untouched
    (out / "mine.txt").write_text("keep")
    assert main(["run", "--runs", "12", "--seed", "5", "--out", str(out), "--overwrite"]) == 0
    assert "left in place: mine.txt" in capsys.readouterr().err
    assert json.loads((out / "provenance.json").read_text())["seed"] == 5
    assert (out / "mine.txt").read_text() == "keep"
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "data.csv").write_text("x")
    assert main(["run", "--runs", "5", "--out", str(foreign), "--overwrite"]) == 2
    assert "holds no peersim results (data.csv)" in capsys.readouterr().err


# --- input files ---------------------------------------------------------------------------------
def test_spec_files_with_bom_deep_nesting_or_other_encodings(tmp_path, capsys):
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbfreplicates = 3\n")
    assert load_spec(bom).replicates == 3
    latin = tmp_path / "latin.toml"
    latin.write_bytes('description = "café"\nreplicates = 3\n'.encode("latin-1"))
    with pytest.raises(SpecError, match=r"latin.toml: not UTF-8 text"):
        load_spec(latin)
    deep = tmp_path / "deep.toml"
    deep.write_text("replicates = 3\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(SpecError, match=r"deep\.toml: nested too deeply"):
        load_spec(deep)
    assert main(["sweep", str(deep)]) == 2
    assert "nested too deeply" in capsys.readouterr().err
