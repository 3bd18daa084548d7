"""Reading a sweep back: ``peersim.load_results(folder)``."""

from __future__ import annotations

import hashlib
import warnings
from difflib import get_close_matches
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from peersim.sweep.metadata import (
    DamagedResults,
    read_design,
    read_provenance,
    read_spec_json,
    removed_seal,
)
from peersim.sweep.spec import SpecError
from peersim.sweep.store import MANIFEST, Store, StoreWarning, Verification, file_sha256

SORT = {
    "participants": ["point", "run", "member"],
    "groups": ["point", "run"],
    "sessions": ["point", "run", "week", "member"],
    "control": ["point", "run"],
}


class SweepResults:
    """The tables of a sweep folder, read on first use, with the design's parameters joined in.

    ``.participants``, ``.groups``, ``.sessions``: pandas DataFrames sorted by point, run (and
    member, week), one column per varied parameter added after ``point``. For tables too large
    for memory, ``.table(name, columns=[...])`` reads only some columns and ``.dataset(name)``
    gives a lazy pyarrow dataset.
    """

    def __init__(self, folder: str | Path, verify: bool = False) -> None:
        self.folder = Path(folder)
        if not any((self.folder / name).exists() for name in ("spec.json", "design.json", MANIFEST)):
            hint = (
                f"; its sweep is in {self.folder / 'raw'}"
                if (self.folder / "raw" / "spec.json").exists()
                else ""
            )
            raise SpecError(f"{self.folder} holds no sweep results (no spec.json){hint}")
        # every metadata file checked against its schema (and seal): DamagedResults otherwise
        seals: dict[str, bool] = {}
        self.spec = read_spec_json(self.folder, seals=seals)
        self.provenance = read_provenance(self.folder / "provenance.json", expect="sweep", seals=seals)
        design = read_design(self.folder, seals=seals)
        if (removed := removed_seal(self.folder, seals)) is not None:
            raise removed
        self.varied: list[str] = design["varied"]
        self.design = pd.DataFrame(design["points"])
        for col in self.varied:  # lists (e.g. disabled_mechanisms) as one readable string
            if self.design[col].map(lambda v: isinstance(v, list)).any():
                self.design[col] = self.design[col].map(lambda v: ",".join(v) if isinstance(v, list) else v)
        self.fixed: dict = design["fixed"]
        self._points = design["points"]
        store = Store(self.folder)
        #: "complete", "running" (a process holds the folder), "interrupted", "failed" or "stopped"
        self.status = store.status(self.provenance)
        #: what checking the recorded chunks found (counts and sizes; checksums with verify=True)
        total = self.provenance.get("chunks_total")
        # sizes now (a stat per file); row counts as each file is read (its footer is read then
        # anyway), contents as whole tables are read; everything now with verify=True
        self.verification = store.verify(
            checksums=verify,
            tables=self.spec.get("tables"),
            total=total if isinstance(total, int) else None,
            counts=verify,
        )
        self._chunks = sorted(self.verification.good)
        self._verify_reads = verify
        self._warned = False
        self._refuse_damage()

    def _refuse_damage(self) -> None:
        """Never hand out a silently short or altered table: damaged chunks, or fewer sound
        chunks than a complete sweep has, stop here with the command that repairs them."""
        check = self.verification
        total = self.provenance.get("chunks_total")
        missing = self.complete and isinstance(total, int) and len(check.good) < total
        if not check.bad and not missing and not (self.complete and check.problems):
            return  # an unfinished sweep's torn or garbled lines are chunks still to run (warned)
        problems = check.summary()
        if missing and not check.problems:
            problems = f"{total - len(check.good)} of {total} chunks have no sound manifest record"
        repair = f"peersim sweep {self.folder} --resume"
        raise DamagedResults(
            self.folder / MANIFEST,
            problems,
            repair,
            f"{self.folder}: results are damaged ({problems}); their tables would be short or altered,"
            f" so they are not read. Repair: {repair}",
        )

    @property
    def complete(self) -> bool:
        return self.provenance.get("status") == "complete"

    def _files(self, name: str) -> list[Path]:
        if name not in self.spec["tables"]:
            raise SpecError(
                f"table {name!r} was not kept in this sweep (kept: {', '.join(self.spec['tables'])})"
            )
        return [self.folder / name / f"{chunk}.parquet" for chunk in self._chunks]

    def dataset(self, name: str) -> ds.Dataset:
        """A lazy pyarrow dataset of a table's chunk files (their row counts checked first)."""
        files = self._files(name)
        for path in files:
            self._check_rows(name, path, pq.ParquetFile(path).metadata.num_rows)
        return ds.dataset([str(f) for f in files], format="parquet")

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        files = self._files(name)
        if not files:
            raise SpecError(f"{self.folder} has no finished chunks yet")
        if not self.complete and not self._warned:
            self._warned = True  # once per folder read, however many tables are read from it
            warnings.warn(
                f"{self.folder}: the sweep is not complete ({self.status}: {len(files)} chunks of"
                f" {self.provenance.get('chunks_total', '?')}"
                + (f"; {self.verification.summary()}" if self.verification.problems else "")
                + "); these tables hold only the finished ones"
                f" (finish it: peersim sweep {self.folder} --resume)",
                # peersim's own class, so the command line shows it as one line like its errors
                StoreWarning,
                stacklevel=2,
            )
        if columns is not None:
            known = pq.read_schema(files[0]).names
            for column in columns:
                if column not in known:
                    near = get_close_matches(column, known, n=1)
                    hint = f"; did you mean {near[0]!r}?" if near else ""
                    raise SpecError(f"table {name!r} has no column {column!r}{hint}")
            columns = list(dict.fromkeys([c for c in SORT[name] if c not in columns] + list(columns)))
        # file by file rather than through one dataset: with tens of thousands of small chunk files
        # a dataset's per-fragment bookkeeping costs more memory than the data (measured: 265 MB
        # against 176 MB for 1,408 files)
        parts = [self._read(name, f, columns) for f in files]
        frame = pa.concat_tables(parts).combine_chunks().to_pandas()
        frame = frame.sort_values(SORT[name], kind="stable").reset_index(drop=True)
        # join the varied parameters, except any the table already reports (e.g. group_size)
        joined = [c for c in self.varied if c not in frame.columns]
        if joined:
            frame = frame.merge(
                self.design[["point", *joined]], on="point", how="left", validate="many_to_one"
            )
            frame = frame[["point", *joined] + [c for c in frame.columns if c not in ("point", *joined)]]
        return frame

    def _read(self, name: str, path: Path, columns: list[str] | None) -> pa.Table:
        """One chunk file, its row count checked; a whole table is also checked against its
        checksum as it is read (its bytes are read anyway), so the tables handed out are never
        silently short or altered."""
        try:
            if columns is not None and not self._verify_reads:
                table = pq.read_table(path, columns=columns)
            else:
                data = path.read_bytes()
                expected = (self.verification.good[path.stem].get("sha256") or {}).get(name)
                if expected is not None and hashlib.sha256(data).hexdigest() != expected:
                    self._damaged(f"{name}/{path.name} has changed since it was written (checksum differs)")
                table = pq.read_table(pa.BufferReader(data), columns=columns)
        except (OSError, pa.ArrowException) as error:
            self._damaged(f"{name}/{path.name} cannot be read ({type(error).__name__})")
        self._check_rows(name, path, table.num_rows)
        return table

    def _check_rows(self, name: str, path: Path, found: int) -> None:
        expected = self.verification.good[path.stem]["rows"].get(name)
        if found != expected:
            self._damaged(f"{name}/{path.name} has {found} rows, the manifest says {expected}")

    def _damaged(self, what: str) -> None:
        repair = f"peersim sweep {self.folder} --resume"
        raise DamagedResults(
            self.folder / what.split(" ", 1)[0],
            what,
            repair,
            f"{self.folder}: results are damaged ({what}); it is not read. Repair: {repair}",
        )

    @cached_property
    def params(self) -> list[dict]:
        """The full parameters of every design point (fixed ones with the point's row applied)."""
        return [{**self.fixed, **{k: v for k, v in row.items() if k != "point"}} for row in self._points]

    @cached_property
    def participants(self) -> pd.DataFrame:
        return self.table("participants")

    @cached_property
    def groups(self) -> pd.DataFrame:
        return self.table("groups")

    @cached_property
    def sessions(self) -> pd.DataFrame:
        return self.table("sessions")


def load_results(folder: str | Path, verify: bool = False) -> SweepResults:
    """The tables of a sweep folder (see :class:`SweepResults`).

    Every recorded chunk is checked (its files there, readable, with the recorded rows and size);
    with ``verify=True`` their contents too (SHA-256, reads every byte). Damage raises a
    ``SpecError`` naming the chunks and the command that repairs them."""
    return SweepResults(folder, verify=verify)


def verify_folder(folder: str | Path) -> tuple[bool, list[str]]:
    """``peersim verify DIR``: check every chunk of a sweep folder, contents included, and every
    metadata file (schema and seal). Returns whether it is complete and sound, and lines to print."""
    folder = Path(folder)
    store = Store(folder)
    if not any((folder / name).exists() for name in ("spec.json", "design.json", MANIFEST)):
        if (folder / "provenance.json").exists():
            return _verify_run_folder(folder)
        raise SpecError(f"{folder} holds no peersim results (no spec.json or provenance.json)")
    damaged: list[DamagedResults] = []
    seals: dict[str, bool] = {}

    def checked(read, *args, **kwargs) -> dict:
        try:
            return read(*args, seals=seals, **kwargs)
        except DamagedResults as error:
            damaged.append(error)
            seals.pop(error.file, None)
            return {}

    spec = checked(read_spec_json, folder)
    provenance = checked(read_provenance, folder / "provenance.json", expect="sweep")
    checked(read_design, folder)
    if (removed := removed_seal(folder, seals)) is not None:
        damaged.append(removed)
    total = provenance.get("chunks_total")
    check: Verification = store.verify(checksums=True, tables=spec.get("tables"), total=total)
    status = store.status(provenance) if provenance else "unknown (provenance.json is damaged)"
    good = len(check.good)
    rows = sum(r["rows"].get("groups", 0) for r in check.good.values())
    lines = [
        f"{folder}: {spec.get('name', '?')!r}, {status}; {good} of {total if total is not None else '?'}"
        f" chunks sound (files, rows, sizes and checksums){f', {rows:,} groups' if rows else ''}"
    ]
    lines += [f"  damaged: {error.file}: {error.what}" for error in damaged]
    lines += [f"  damaged: {problem}" for problem in check.problems]
    if status == "complete" and total is not None and good < total and not check.problems:
        lost = f"{total - good} of the complete sweep's {total} chunks have no record there"
        lines.append(f"  damaged: {MANIFEST}: {lost if (folder / MANIFEST).exists() else 'it is missing'}")
    read = store.read_manifest()
    hidden = len(read.damaged) - len(check.damaged_lines)
    if hidden:
        lines.append(
            f"  note: {hidden} manifest lines are torn or garbled, but every chunk is recorded soundly"
        )
    unsealed_lines = read.unsealed
    if unsealed_lines:
        lines.append(
            f"  note: {unsealed_lines} records were written by an older peersim and carry no checksum"
        )
    unsealed = [name for name, has in seals.items() if not has]
    if unsealed and not any(seals.values()):
        lines.append(
            f"  note: {', '.join(unsealed)} {'carry' if len(unsealed) > 1 else 'carries'} no seal"
            " (an older peersim wrote them): edits to them cannot be detected"
        )
    ok = not damaged and not check.problems and status == "complete" and (total is None or good >= total)
    repairs = list(dict.fromkeys(f"Repair {error.file}: {error.repair}" for error in damaged))
    lines += repairs
    provenance_sound = not any(error.file == "provenance.json" for error in damaged)
    if check.problems or (not ok and provenance_sound and (status != "complete" or not repairs)):
        lines.append(f"Repair or finish it: peersim sweep {folder} --resume")
    return ok, lines


def _verify_run_folder(folder: Path) -> tuple[bool, list[str]]:
    """``peersim verify`` of a ``peersim run --out`` folder: every file its provenance recorded."""
    try:
        provenance = read_provenance(folder / "provenance.json")
    except DamagedResults as error:
        return False, [
            f"{folder}: peersim run, its record cannot be trusted",
            f"  damaged: {error.file}: {error.what}",
            f"Repair {error.file}: {error.repair}",
        ]
    if provenance.get("kind") != "run":
        raise SpecError(f"{folder} holds no peersim results (no spec.json)")
    files = provenance["files"]
    problems = []
    for name, entry in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif path.stat().st_size != entry["bytes"]:
            problems.append(f"{name} has {path.stat().st_size} bytes, the provenance says {entry['bytes']}")
        elif file_sha256(path) != entry["sha256"]:
            problems.append(f"{name} has changed since it was written (checksum differs)")
    status = Store(folder).status(provenance)
    lines = [f"{folder}: peersim run, {status}; {len(files) - len(problems)} of {len(files)} files sound"]
    lines += [f"  damaged: {problem}" for problem in problems]
    ok = not problems and status == "complete"
    if not ok:
        lines.append("Run it again (the same command) to replace them")
    return ok, lines
