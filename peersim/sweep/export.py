"""A sweep's tables as CSV, for R, Stata, SPSS or a spreadsheet: ``peersim export FOLDER``.

Each kept table (participants, groups, sessions, control) becomes one CSV file with the design's
varied parameters joined in after ``point``, exactly as ``load_results(folder).table(name)`` gives
it, rows in the same order, booleans as TRUE and FALSE (logical in R). The table is written chunk
file by chunk file, so memory stays bounded by one chunk however large the sweep; each file appears
only when complete (written under a temporary name, then renamed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pyarrow.parquet as pq

from peersim.sweep.results import load_results
from peersim.sweep.spec import SpecError


def export_csv(
    folder: str | Path,
    out: str | Path | None = None,
    tables: list[str] | None = None,
    overwrite: bool = False,
) -> list[tuple[Path, int]]:
    """Write each table of the sweep in ``folder`` to ``out/<table>.csv`` (default
    ``folder/csv``); return (path, rows) for each file written."""
    results = load_results(folder)
    kept = list(results.spec["tables"])
    names = kept if tables is None else tables
    for name in names:
        if name not in kept:
            raise SpecError(f"table {name!r} was not kept in this sweep (kept: {', '.join(kept)})")
    out = Path(out) if out is not None else results.folder / "csv"
    if out.exists() and not out.is_dir():
        raise SpecError(f"--out {out}: exists and is not a folder")
    targets = {name: out / f"{name}.csv" for name in names}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not overwrite:
        raise SpecError(f"{', '.join(existing)} already exist; use --overwrite to replace them")
    if not results.complete:
        print(
            f"peersim: warning: {results.folder} is not a complete sweep; the CSV files hold only its"
            " finished chunks (finish it with peersim sweep --resume)",
            file=sys.stderr,
        )
    out.mkdir(parents=True, exist_ok=True)
    return [(targets[name], _write_table(results, name, targets[name])) for name in names]


def _write_table(results, name: str, path: Path) -> int:
    files = results._files(name)
    if not files:
        raise SpecError(f"{results.folder} has no finished chunks yet")
    joined = None
    rows = 0
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            for index, file in enumerate(files):
                frame = pq.read_table(file).to_pandas()
                if joined is None:  # the varied parameters the table does not already report
                    joined = [c for c in results.varied if c not in frame.columns]
                if joined:
                    design = results.design[["point", *joined]]
                    frame = frame.merge(design, on="point", how="left", validate="many_to_one")
                    rest = [c for c in frame.columns if c not in ("point", *joined)]
                    frame = frame[["point", *joined, *rest]]
                _r_logicals(frame).to_csv(handle, index=False, header=index == 0)
                rows += len(frame)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return rows


def _r_logicals(frame):
    """Booleans written as TRUE and FALSE: R's read.csv (and readr, arrow, pandas) read those as
    logical values, while Python's True/False came back as text in R, so ``mean(dropped_out)``
    gave NA. A missing value stays empty (R's NA)."""
    import pandas as pd

    out = frame
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values.dtype) or (
            values.dtype == object and values.dropna().map(type).eq(bool).all() and values.notna().any()
        ):
            if out is frame:
                out = frame.copy()
            out[column] = values.map({True: "TRUE", False: "FALSE"})
    return out
