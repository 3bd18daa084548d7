"""Where a sweep's results live, written so that nothing is lost, mixed or silently altered.

    <out>/spec.json          the spec as run
    <out>/design.json        the design points (point and varied parameters) and, apart, the
                             parameters every point shares (fixed)
    <out>/provenance.json    seed, versions, git commit, platform, start and end time, status
                             (these three sealed and checked on every read: metadata.py)
    <out>/manifest.jsonl     one sealed line per finished chunk, appended after its files are in place
    <out>/<table>/<chunk>.parquet
    <out>/.peersim.lock      held (flock) by the one process writing here; who it is, as JSON

Each chunk file is written to a temporary name (unique to the process) and renamed (atomic on
POSIX); its manifest line is appended (and flushed to disk) only afterwards. The line carries the
chunk's row count, size and SHA-256 per table, and a seal (a hash of the line's own content): a
line torn by a kill or a full disk, or garbled later, fails its seal and counts for nothing, and
every line starts on a fresh line, so a torn one never swallows the next. ``--resume`` checks
every recorded chunk (file there, readable, row count, checksum) and runs again what fails;
``load_results`` checks counts always and checksums on ``verify=True`` (``peersim verify DIR``).

One process writes a folder at a time: an OS lock (``fcntl.flock``), released by the kernel when
the process ends however it ends. ``--overwrite`` removes only what the store recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import secrets
import subprocess
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from peersim.core.tables import write_parquet
from peersim.run.fingerprint import code_fingerprint
from peersim.sweep.metadata import (
    DamagedResults,
    manifest_record_problem,
    read_provenance,
    read_spec_json,
    seal,
    sealed,
    spec_repair,
)
from peersim.sweep.spec import ExperimentSpec, SpecError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock (said in the provenance)
    fcntl = None  # type: ignore[assignment]

MANIFEST = "manifest.jsonl"
LOCK = ".peersim.lock"
#: the files a store writes besides its chunks (``--overwrite`` removes these and recorded chunks)
OWN_FILES = ("spec.json", "design.json", "provenance.json", MANIFEST)
_CHUNK_IN_LINE = re.compile(r'"chunk"\s*:\s*"([A-Za-z0-9_.-]{1,64})"')


class StoreWarning(UserWarning):
    """Something about a results folder the user should know (damage found, files left in place)."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_atomic(path: Path, writer) -> None:
    """Write through a temporary name unique to this process and call, then rename into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        writer(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write_sealed(path: Path, data: dict) -> None:
    """A metadata file (spec, design, provenance) with its seal: a later edit is found on read."""
    write_json(path, sealed(data))


@dataclass
class Manifest:
    """A manifest as read: the last sound record of each chunk, and the lines that were not sound."""

    records: dict[str, dict] = field(default_factory=dict)
    # (line number, chunk if legible, what is wrong with the line)
    damaged: list[tuple[int, str | None, str]] = field(default_factory=list)
    unsealed: int = 0  # sound records written before records were sealed


@dataclass
class Verification:
    """What checking a folder's recorded chunks found."""

    good: dict[str, dict]  # chunk id -> its manifest record
    bad: dict[str, str]  # chunk id -> what is wrong with it
    damaged_lines: list[tuple[int, str | None, str]]
    checksums: bool  # whether file contents were checked (else counts and sizes only)

    @property
    def problems(self) -> list[str]:
        out = [f"{chunk}: {reason}" for chunk, reason in sorted(self.bad.items())]
        for number, chunk, reason in self.damaged_lines:
            what = f"chunk {chunk}'s record" if chunk else "a record"
            out.append(f"{MANIFEST} line {number} ({what}) {reason}")
        return out

    def summary(self, limit: int = 3) -> str:
        problems = self.problems
        more = f"; and {len(problems) - limit} more" if len(problems) > limit else ""
        return "; ".join(problems[:limit]) + more


class Store:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._lock_fd: int | None = None
        self.repaired: list[str] = []  # chunks found damaged by prepare (they are run again)
        self._header_written = False  # this session of work has said "running"

    # --- the folder and its lock -----------------------------------------------------------------
    def is_store(self) -> bool:
        return any((self.folder / name).exists() for name in OWN_FILES)

    def claim(self) -> None:
        """Check the folder may hold results, create it and take its lock (until :meth:`release`).

        A folder that exists, is not empty and holds no store is refused: results never go in
        among someone's files. A folder another process writes to is refused, naming it."""
        folder = self.folder
        if folder.exists() and not folder.is_dir():
            raise SpecError(f"output {folder} exists and is not a folder")
        if folder.is_dir() and not self.is_store():
            _refuse_foreign(folder, f"output {folder}", "give a new or empty folder with --out")
        _make_folder(folder, f"output {folder}")
        self.lock()

    def lock(self) -> None:
        if self._lock_fd is not None or fcntl is None:
            return
        path = self.folder / LOCK
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise SpecError(f"output {self.folder}: cannot write there ({error.strerror or error})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _describe_holder(os.pread(fd, 4096, 0))
            os.close(fd)
            raise SpecError(
                f"{self.folder} is being written by another peersim ({holder}); wait for it to end"
                " or give another --out"
            ) from None
        holder = {
            "pid": os.getpid(),
            "host": platform.node(),
            "started": now(),
            "command": " ".join(sys.argv)[:300],
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
        self._lock_fd = fd

    def release(self) -> None:
        if self._lock_fd is not None:
            fd, self._lock_fd = self._lock_fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def locked_by_someone(self) -> bool:
        """Whether a process (this one included) holds the folder's lock now."""
        if self._lock_fd is not None:
            return True
        path = self.folder / LOCK
        if fcntl is None or not path.exists():
            return False
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)  # closing drops a lock we may just have taken
        return False

    def status(self, provenance: dict | None = None) -> str:
        """The sweep's status; "running" only while a process holds the lock (a sweep killed
        before it could record its end is "stopped")."""
        if provenance is None:
            path = self.folder / "provenance.json"
            provenance = read_provenance(path) if path.exists() else {}
        status = provenance.get("status", "unknown")
        if status == "running" and not self.locked_by_someone():
            return "stopped"
        return status

    def __del__(self) -> None:  # a store dropped without release (e.g. an error) lets go too
        with contextlib.suppress(Exception):
            self.release()

    # --- set-up and guards ---------------------------------------------------------------------
    def prepare(
        self, spec: ExperimentSpec, resume: bool, overwrite: bool, total: int | None = None
    ) -> set[str]:
        """Make the folder ready; return the ids of chunks already finished and sound (to skip).

        Takes the folder's lock if :meth:`claim` did not already."""
        if self._lock_fd is None:
            self.claim()
        existing = self.folder / "spec.json"
        if not existing.exists() and self.is_store() and not overwrite:
            raise DamagedResults(existing, "it is missing", spec_repair(self.folder))
        if existing.exists():
            try:
                old = read_spec_json(existing)
            except DamagedResults:
                if not overwrite:
                    raise
                old = {}  # replaced as asked: what the store recorded is cleared below
            same = old.get("fingerprint") == spec.fingerprint()
            check = self.verify(checksums=same and not overwrite, tables=spec.tables, total=total)
            done = set(check.good)
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
            if not same or overwrite:
                done = set()
            complete = total is not None and len(done) >= total
            damaged = f" ({len(check.problems)} damaged: {check.summary()})" if check.problems else ""
            if same and (done or check.problems) and not complete and not resume and not overwrite:
                raise SpecError(
                    f"{self.folder} already holds {len(done)} sound chunks of this spec{damaged};"
                    " use --resume to finish it (damaged chunks are run again) or --overwrite to start again"
                )
            if overwrite:
                self.clear()
            elif check.problems:
                self.repaired = check.problems
                warnings.warn(
                    f"{self.folder}: {len(check.problems)} recorded chunks failed their check and are"
                    f" run again ({check.summary()})",
                    StoreWarning,
                    stacklevel=3,
                )
            return done
        if overwrite and self.is_store():
            self.clear()
        return set()

    def clear(self) -> list[str]:
        """Remove what this store recorded (its chunk files, then its own json files and manifest);
        leave anything else in place and name it. Returns what was left."""
        recorded = self.read_manifest(all_records=True).records
        for chunk, record in recorded.items():
            for table in record.get("rows", {}) if isinstance(record.get("rows"), dict) else {}:
                if _safe_name(table) and _safe_name(chunk):
                    (self.folder / table / f"{chunk}.parquet").unlink(missing_ok=True)
        for name in OWN_FILES:  # the manifest last: a clear cut short can be finished later
            (self.folder / name).unlink(missing_ok=True)
        left = []
        for path in sorted(self.folder.iterdir()):
            if path.name == LOCK:
                continue
            if path.is_dir() and not path.is_symlink():
                own_tmp = [p for p in path.iterdir() if _own_tmp(p.name)]
                for p in own_tmp:
                    p.unlink(missing_ok=True)
                inside = sorted(p.name for p in path.iterdir())
                if not inside:
                    path.rmdir()
                    continue
                left.extend(f"{path.name}/{name}" for name in inside)
            elif _own_tmp(path.name):
                path.unlink(missing_ok=True)
            else:
                left.append(path.name)
        if left:
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            warnings.warn(
                f"{self.folder}: --overwrite removed only the results peersim recorded; left in place:"
                f" {shown}",
                StoreWarning,
                stacklevel=3,
            )
        return left

    def write_header(self, spec: ExperimentSpec, design: pd.DataFrame, run_info: dict) -> None:
        # the earlier sessions' record first: a damaged one stops the sweep before anything is written
        prov_path = self.folder / "provenance.json"
        previous = read_provenance(prov_path, expect="sweep") if prov_path.exists() else {}
        self._header_written = True
        write_sealed(
            self.folder / "spec.json",
            {**spec.to_dict(), "fingerprint": spec.fingerprint(), "code": code_fingerprint()},
        )
        varied = [c for c in design.columns if c != "point"]
        write_sealed(
            self.folder / "design.json",
            {
                "varied": varied,
                "points": design.to_dict("records"),
                # what every point shares, the varied parameters apart (their defaults are no
                # point's value); a point's parameters are these with its row applied
                "fixed": {k: v for k, v in spec.base_params().to_dict().items() if k not in varied},
            },
        )
        write_sealed(
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
                "reason": None,
            },
        )

    def finish(self, status: str, chunks_done: int, chunks_total: int, reason: str | None = None) -> None:
        path = self.folder / "provenance.json"
        data = read_provenance(path) if path.exists() else {}
        data.update(
            status=status,
            finished=now() if status == "complete" else None,
            last_stopped=now(),
            chunks_done=chunks_done,
            chunks_total=chunks_total,
        )
        if reason is not None or status == "complete":
            data["reason"] = reason
        write_sealed(path, data)

    def record_failure(self, reason: str) -> None:
        """Add why a sweep failed to its provenance (if it says failed or running); a second
        failure while saying so (e.g. the disk is full) is not allowed to hide the first."""
        path = self.folder / "provenance.json"
        if not self._header_written:  # refused before any work: the folder's record is not ours
            return
        try:
            data = read_provenance(path)
            if data.get("status") not in ("failed", "running"):
                return
            data.update(status="failed", reason=reason[:1000], last_stopped=now())
            write_sealed(path, data)
        except (OSError, ValueError):
            pass

    # --- chunks ----------------------------------------------------------------------------------
    def save_chunk(self, chunk_id: str, tables: dict[str, pd.DataFrame], meta: dict) -> None:
        self.record_chunk(chunk_id, self.write_chunk_files(chunk_id, tables), meta)

    def write_chunk_files(self, chunk_id: str, tables: dict[str, pd.DataFrame]) -> dict[str, dict]:
        """Write a chunk's tables (atomically, each); return per table its rows, bytes and SHA-256
        (the receipt :meth:`record_chunk` takes). Safe in a worker: until the manifest records the
        chunk, its files count for nothing."""
        receipt = {}
        for name, table in tables.items():
            folder = self.folder / name
            folder.mkdir(exist_ok=True)
            path = folder / f"{chunk_id}.parquet"
            sums: dict[str, Any] = {}

            def write(tmp: Path, table=table, sums=sums) -> None:
                write_parquet(table, tmp)
                sums.update(sha256=file_sha256(tmp), bytes=tmp.stat().st_size)

            write_atomic(path, write)
            receipt[name] = {"rows": len(table), **sums}
        return receipt

    def record_chunk(self, chunk_id: str, receipt: dict[str, dict], meta: dict) -> None:
        """Append the chunk's sealed manifest line (flushed to disk): from now on it counts as done."""
        record = {
            "chunk": chunk_id,
            **meta,
            "rows": {t: r["rows"] for t, r in receipt.items()},
            "bytes": {t: r["bytes"] for t, r in receipt.items()},
            "sha256": {t: r["sha256"] for t, r in receipt.items()},
            "time": now(),
        }
        line = json.dumps({**record, "seal": seal(record)}, separators=(",", ":"), default=str)
        with open(self.folder / MANIFEST, "a+b") as manifest:
            if manifest.tell() > 0:  # a torn last line must not swallow this record
                manifest.seek(-1, os.SEEK_END)
                ends_clean = manifest.read(1) == b"\n"
                manifest.seek(0, os.SEEK_END)
                if not ends_clean:
                    manifest.write(b"\n")
            manifest.write(line.encode() + b"\n")
            manifest.flush()
            os.fsync(manifest.fileno())

    def read_manifest(self, all_records: bool = False) -> Manifest:
        """The manifest's sound records (the last one of each chunk) and its damaged lines.

        With ``all_records`` a record whose seal fails but which still names its chunk and tables
        is kept too (for :meth:`clear`, which removes what the store wrote)."""
        path = self.folder / MANIFEST
        out = Manifest()
        if not path.exists():
            return out
        with open(path, "rb") as handle:
            raw_lines = handle.read().split(b"\n")
        for number, raw in enumerate(raw_lines, start=1):
            if not raw.strip():
                continue
            record = _parse_record(raw)
            # sound: its seal holds; records of an older peersim (no checksums) had none
            has_seal = record is not None and "seal" in record
            legacy = record is not None and not has_seal and "sha256" not in record
            reason = "is torn or garbled"
            if record is not None and not legacy and has_seal and record.pop("seal") == seal(record):
                wrong = manifest_record_problem(record)  # sealed, but by a writer that erred
                reason = f"is malformed ({wrong})" if wrong else ""
            elif record is not None and legacy:
                wrong = manifest_record_problem(record)
                reason = f"is malformed ({wrong})" if wrong else ""
            if reason:
                legible = _CHUNK_IN_LINE.search(raw.decode("utf-8", "replace"))
                out.damaged.append((number, legible.group(1) if legible else None, reason))
                if all_records and isinstance(record, dict) and _safe_name(record.get("chunk")):
                    out.records.setdefault(record["chunk"], record)
                continue
            if legacy:
                out.unsealed += 1
            out.records[record["chunk"]] = record
        return out

    def manifest(self) -> list[dict]:
        return list(self.read_manifest().records.values())

    def verify(
        self,
        checksums: bool = True,
        tables: Iterable[str] | None = None,
        total: int | None = None,
        counts: bool = True,
    ) -> Verification:
        """Check every recorded chunk: its files are there, readable, hold the recorded rows and
        bytes, and (with ``checksums``) the recorded content. Torn or garbled manifest lines count
        as damage while chunks are missing (with ``total``, the sweep's number of chunks); once
        every chunk is recorded soundly (e.g. run again) an illegible line hides nothing.
        ``counts=False`` checks sizes but leaves row counts (a read of each file's footer) to
        whoever reads the files (``load_results`` checks them as it reads)."""
        read = self.read_manifest()
        good, bad = {}, {}
        for chunk, record in read.records.items():
            problem = self._check_chunk(chunk, record, checksums, tables, counts)
            if problem is None:
                good[chunk] = record
            else:
                bad[chunk] = problem
        # a garbled line whose chunk was recorded soundly again later is not a loss
        whole = total is not None and len(good) >= total
        damaged = [
            (n, c, why) for n, c, why in read.damaged if (c is None and not whole) or (c and c not in good)
        ]
        return Verification(good=good, bad=bad, damaged_lines=damaged, checksums=checksums)

    def finished(self, checksums: bool = False) -> set[str]:
        return set(self.verify(checksums=checksums).good)

    def _check_chunk(
        self, chunk: str, record: dict, checksums: bool, tables: Iterable[str] | None, counts: bool = True
    ) -> str | None:
        import pyarrow.parquet as pq

        rows = record.get("rows")
        if not isinstance(rows, dict) or not rows or not _safe_name(chunk):
            return "its record names no tables"
        missing = [t for t in tables or () if t not in rows]
        if missing:
            return f"its record lacks table {missing[0]}"
        for table, count in rows.items():
            if not _safe_name(table):
                return f"its record names a strange table {table!r}"
            path = self.folder / table / f"{chunk}.parquet"
            where = f"{table}/{chunk}.parquet"
            if not path.is_file():
                return f"{where} is missing"
            size = (record.get("bytes") or {}).get(table)
            if size is not None and path.stat().st_size != size:
                return f"{where} has {path.stat().st_size} bytes, the manifest says {size}"
            if not counts and size is not None and not checksums:
                continue
            try:
                found = pq.ParquetFile(path).metadata.num_rows
            except Exception as error:  # any failure to read it is damage
                return f"{where} cannot be read ({type(error).__name__})"
            if found != count:
                return f"{where} has {found} rows, the manifest says {count}"
            digest = (record.get("sha256") or {}).get(table)
            if checksums and digest is not None and file_sha256(path) != digest:
                return f"{where} has changed since it was written (checksum differs)"
        return None


def _parse_record(raw: bytes) -> dict | None:
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("chunk"), str):
        return None
    return record


def _safe_name(name: Any) -> bool:
    """A chunk or table name that stays inside the folder."""
    return isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}", name) is not None


def _own_tmp(name: str) -> bool:
    """A temporary file of :func:`write_atomic` (left by a process killed mid-write)."""
    return re.fullmatch(r"\..+\.\d+\.[0-9a-f]{8}\.tmp", name) is not None


def _describe_holder(raw: bytes) -> str:
    try:
        holder = json.loads(raw.decode("utf-8"))
        return (
            f"pid {holder['pid']} on {holder['host']}, since {holder['started']}:"
            f" {holder.get('command', '?')}"
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return "a process that has not said who it is yet"


def provenance(spec: ExperimentSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "fingerprint": spec.fingerprint(),
        "code": code_fingerprint(),
        "seed": spec.seed,
        "replicates": spec.replicates,
        **environment(),
    }


def environment() -> dict[str, Any]:
    """Package versions, git commit and platform: what a result was made with."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("peersim", "numpy", "scipy", "pandas", "pyarrow", "mesa", "dask", "distributed"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    return {
        "versions": {"python": sys.version.split()[0], **versions},
        "git_commit": _git_commit(),
        "platform": {
            "system": platform.platform(),
            "machine": platform.machine(),
            "processor_count": os.cpu_count(),
            "hostname": platform.node(),
        },
    }


def _refuse_foreign(folder: Path, label: str, hint: str) -> None:
    """A folder that holds files but no peersim results is someone else's: never write into it."""
    others = sorted(p.name for p in folder.iterdir() if p.name != LOCK)
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise SpecError(f"{label} is not empty and holds no peersim results ({shown}); {hint}")


def _make_folder(folder: Path, label: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SpecError(f"{label}: cannot create it ({error.strerror or error})") from None


class RunFolder:
    """Where ``peersim run --out`` writes: tables, summaries and a figure, with the provenance a
    sweep writes (parameters, seed, runs, versions, git commit, platform, times, status and every
    file with its size and SHA-256). A folder holding another scenario's results is refused
    unless ``overwrite``, which removes only the files its provenance recorded; a non-empty
    folder without peersim's provenance is refused. Locked while written, like a sweep's."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._lock = Store(folder)
        self.path = self.folder / "provenance.json"
        self.data: dict[str, Any] = {}

    def claim(self, scenario: dict[str, Any], overwrite: bool) -> None:
        folder = self.folder
        fingerprint = hashlib.sha256(json.dumps(scenario, sort_keys=True, default=str).encode()).hexdigest()[
            :16
        ]
        if folder.exists() and not folder.is_dir():
            raise SpecError(f"--out {folder}: exists and is not a folder")
        old: dict[str, Any] = {}
        if folder.is_dir():
            if any((folder / name).exists() for name in ("spec.json", "design.json", MANIFEST)):
                raise SpecError(f"--out {folder} holds a sweep's results; give another --out")
            if self.path.exists():
                try:
                    old = read_provenance(self.path)
                except DamagedResults:
                    if not overwrite:
                        raise
                    # replaced as asked; which files it recorded is unknown, so none are removed
                    old = {"kind": "run", "damaged": True}
                if old.get("kind") != "run":
                    raise SpecError(f"--out {folder} holds a sweep's results; give another --out")
            else:
                _refuse_foreign(folder, f"--out {folder}", "give a new or empty folder")
        _make_folder(folder, f"--out {folder}")
        self._lock.lock()
        if old:
            if old.get("fingerprint") != fingerprint and not overwrite:
                self._lock.release()
                raise SpecError(
                    f"--out {folder} holds the results of another scenario ({_describe_run(old)});"
                    " use --overwrite to replace them or give another --out"
                )
            self._remove_recorded(old)  # the same scenario again, or replaced as asked
        self.data = {
            "kind": "run",
            "name": "run",
            "fingerprint": fingerprint,
            "code": code_fingerprint(),
            **scenario,
            **environment(),
            "started": now(),
            "finished": None,
            "status": "running",
            "reason": None,
            "files": {},
        }
        write_sealed(self.path, self.data)

    def _remove_recorded(self, old: dict) -> None:
        files = old.get("files") if isinstance(old.get("files"), dict) else {}
        for name in files:
            if _safe_name(name):
                (self.folder / name).unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)
        left = sorted(p.name for p in self.folder.iterdir() if p.name != LOCK)
        if left:
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            warnings.warn(
                f"{self.folder}: removed only the files peersim recorded there; left in place: {shown}",
                StoreWarning,
                stacklevel=3,
            )

    def record(self, paths: Iterable[Path]) -> None:
        for path in paths:
            path = Path(path)
            entry: dict[str, Any] = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
            if path.suffix == ".parquet":
                import pyarrow.parquet as pq

                entry["rows"] = pq.ParquetFile(path).metadata.num_rows
            self.data["files"][path.name] = entry
        write_sealed(self.path, self.data)

    def finish(self, status: str = "complete", reason: str | None = None) -> None:
        try:
            self.data.update(status=status, reason=reason, finished=now() if status == "complete" else None)
            if self.data:
                write_sealed(self.path, self.data)
        except OSError:
            if status == "complete":
                raise
        finally:
            self._lock.release()


def _describe_run(old: dict) -> str:
    changed = old.get("changed") or []
    return f"{old.get('runs', '?')} runs, seed {old.get('seed', '?')}" + (
        f", {', '.join(map(str, changed[:3]))}" if changed else ", default parameters"
    )


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
