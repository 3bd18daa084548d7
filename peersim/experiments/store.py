"""Where a sweep's results live, written so that nothing is lost or doubled.

    <out>/spec.json          the spec as run
    <out>/design.json        the design points (point and varied parameters) and the fixed params
    <out>/provenance.json    seed, versions, git commit, platform, start and end time, status
    <out>/manifest.jsonl     one line per finished chunk, appended after its files are in place
    <out>/<table>/<chunk>.parquet

Each chunk file is written to a temporary name and renamed (atomic on POSIX); its manifest line is
appended (and flushed to disk) only afterwards. After a crash, a chunk either has its line and all
its files, or it is run again; a torn last line is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..results import write_parquet
from .spec import ExperimentSpec, SpecError

MANIFEST = "manifest.jsonl"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_atomic(path: Path, writer) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    writer(tmp)
    os.replace(tmp, path)


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


class Store:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    # --- set-up and guards ---------------------------------------------------------------------
    def prepare(
        self, spec: ExperimentSpec, resume: bool, overwrite: bool, total: int | None = None
    ) -> set[str]:
        """Make the folder ready; return the ids of chunks already finished (to skip)."""
        existing = self.folder / "spec.json"
        if self.folder.exists() and not self.folder.is_dir():
            raise SpecError(f"output {self.folder} exists and is not a folder")
        if existing.exists():
            old = json.loads(existing.read_text())
            same = old.get("fingerprint") == spec.fingerprint()
            done = self.finished()
            if not same and not overwrite:
                raise SpecError(
                    f"{self.folder} holds results of a different spec ({old.get('name')!r},"
                    f" {len(done)} chunks); use --overwrite to replace them or --out for a new folder"
                )
            if same and old.get("code") != code_fingerprint() and done and not overwrite:
                raise SpecError(
                    f"{self.folder} holds results made by a different version of peersim's model code;"
                    " mixing them would be wrong: use --overwrite to start again"
                )
            complete = total is not None and len(done) >= total
            if same and done and not complete and not resume and not overwrite:
                raise SpecError(
                    f"{self.folder} already holds {len(done)} chunks of this spec;"
                    " use --resume to finish it or --overwrite to start again"
                )
            if overwrite:
                self.clear()
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.finished()

    def clear(self) -> None:
        for name in ("spec.json", "design.json", "provenance.json", MANIFEST):
            (self.folder / name).unlink(missing_ok=True)
        for table in ("participants", "groups", "sessions", "control"):
            shutil.rmtree(self.folder / table, ignore_errors=True)

    def write_header(self, spec: ExperimentSpec, design: pd.DataFrame, run_info: dict) -> None:
        write_json(
            self.folder / "spec.json",
            {**spec.to_dict(), "fingerprint": spec.fingerprint(), "code": code_fingerprint()},
        )
        write_json(
            self.folder / "design.json",
            {
                "varied": [c for c in design.columns if c != "point"],
                "points": design.to_dict("records"),
                # what every point shares; a point's parameters are these with its row applied
                "fixed": spec.base_params().to_dict(),
            },
        )
        prov_path = self.folder / "provenance.json"
        previous = json.loads(prov_path.read_text()) if prov_path.exists() else {}
        write_json(
            prov_path,
            {
                **provenance(spec),
                **run_info,
                "started": previous.get("started", now()),
                "sessions_of_work": previous.get("sessions_of_work", 0) + 1,
                # every session of work and what ran it (a sweep may be resumed elsewhere)
                "runs_of_work": [*previous.get("runs_of_work", []), {"started": now(), **run_info}],
                "finished": None,
                "status": "running",
            },
        )

    def finish(self, status: str, chunks_done: int, chunks_total: int) -> None:
        path = self.folder / "provenance.json"
        data = json.loads(path.read_text())
        data.update(
            status=status,
            finished=now() if status == "complete" else None,
            last_stopped=now(),
            chunks_done=chunks_done,
            chunks_total=chunks_total,
        )
        write_json(path, data)

    # --- chunks ----------------------------------------------------------------------------------
    def save_chunk(self, chunk_id: str, tables: dict[str, pd.DataFrame], meta: dict) -> None:
        self.record_chunk(chunk_id, self.write_chunk_files(chunk_id, tables), meta)

    def write_chunk_files(self, chunk_id: str, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
        """Write a chunk's tables (atomically, each); return their row counts. Safe in a worker:
        until the manifest records the chunk, its files count for nothing."""
        rows = {}
        for name, table in tables.items():
            folder = self.folder / name
            folder.mkdir(exist_ok=True)
            write_atomic(folder / f"{chunk_id}.parquet", lambda p, t=table: write_parquet(t, p))
            rows[name] = len(table)
        return rows

    def record_chunk(self, chunk_id: str, rows: dict[str, int], meta: dict) -> None:
        """Append the chunk's manifest line (flushed to disk): from now on it counts as done."""
        line = json.dumps({"chunk": chunk_id, **meta, "rows": rows, "time": now()})
        with open(self.folder / MANIFEST, "a", encoding="utf-8") as manifest:
            manifest.write(line + "\n")
            manifest.flush()
            os.fsync(manifest.fileno())

    def manifest(self) -> list[dict]:
        path = self.folder / MANIFEST
        if not path.exists():
            return []
        entries = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line torn by a kill: that chunk is simply run again
        return entries

    def finished(self) -> set[str]:
        done = set()
        for entry in self.manifest():
            files = [self.folder / t / f"{entry['chunk']}.parquet" for t in entry.get("rows", {})]
            if all(f.exists() for f in files):
                done.add(entry["chunk"])
        return done


def code_fingerprint() -> str:
    """Hash of the model's source (every peersim module but the experiment tooling): results of
    one version are never mixed with another's on --resume, committed or not."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if "experiments" in path.relative_to(package).parts:
            continue
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def provenance(spec: ExperimentSpec) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("peersim", "numpy", "scipy", "pandas", "pyarrow", "mesa", "dask", "distributed"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    return {
        "name": spec.name,
        "fingerprint": spec.fingerprint(),
        "code": code_fingerprint(),
        "seed": spec.seed,
        "replicates": spec.replicates,
        "versions": {"python": sys.version.split()[0], **versions},
        "git_commit": _git_commit(),
        "platform": {
            "system": platform.platform(),
            "machine": platform.machine(),
            "processor_count": os.cpu_count(),
            "hostname": platform.node(),
        },
    }


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=False
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
