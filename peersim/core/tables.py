"""Tidy tables from the kernel: participants, groups, sessions (column names are public).

Both front ends build their tables here, from a finished :class:`~peersim.core.kernel.Kernel`, so the
Mesa model's ``participants_frame()`` and ``simulate(...).participants`` share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from peersim.core.kernel import Kernel
from peersim.core.params import Params
from peersim.core.population import BOOL_ATTRIBUTES, STATIC_ATTRIBUTES
from peersim.core.state import STATES

#: States reported at baseline and end of course (``<name>_baseline``, ``<name>_end``).
REPORTED = (*STATES, "bridging", "recovery", "qpr")
#: Row order of each table within one parameter set.
SORT_KEYS = {"participants": ["run", "member"], "groups": ["run"], "sessions": ["run", "week", "member"]}
#: Outcomes reported at the end of the follow-up too (``<name>_followup``).
FOLLOWUP = ("hope", "self_image", "self_efficacy", "recovery", "qpr", "connectedness")


@dataclass
class Results:
    """What ``simulate`` returns: the tables, and what produced them."""

    participants: pd.DataFrame
    groups: pd.DataFrame
    sessions: pd.DataFrame | None
    params: Params
    seed: int
    runs: int

    def __repr__(self) -> str:
        sessions = "none" if self.sessions is None else f"{len(self.sessions):,} rows"
        changed = {k: v for k, v in self.params.to_dict().items() if k != "session_plan"}
        defaults = {k: v for k, v in Params().to_dict().items() if k != "session_plan"}
        diff = ", ".join(f"{k}={v!r}" for k, v in changed.items() if defaults[k] != v) or "defaults"
        return (
            f"Results({self.runs:,} runs, seed {self.seed}, params: {diff}; participants"
            f" {len(self.participants):,} rows, groups {len(self.groups):,} rows, sessions {sessions})"
        )

    def save(self, folder: str | Path) -> list[Path]:
        """Write the tables as Parquet under ``folder``; returns the paths written."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name in ("participants", "groups", "sessions"):
            table = getattr(self, name)
            if table is not None:
                path = folder / f"{name}.parquet"
                tmp = path.with_suffix(".parquet.tmp")
                write_parquet(table, tmp)
                tmp.replace(path)
                written.append(path)
        return written


class ParquetStream:
    """One Parquet file written block by block (a row group per block), under a temporary name
    until :meth:`close` renames it into place: large runs go to disk in bounded memory, and a
    run cut short leaves no partial file under the real name."""

    def __init__(self, path: str | Path) -> None:
        import os
        import secrets

        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        self._writer = None
        self._schema = None

    def write(self, table: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = pa.Table.from_pandas(table, schema=self._schema, preserve_index=False)
        if self._writer is None:
            self._schema = arrow.schema
            self._writer = pq.ParquetWriter(
                self.tmp, self._schema, compression="zstd", use_dictionary=_text_columns(table) or False
            )
        self._writer.write_table(arrow)

    def close(self) -> Path:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self.tmp.replace(self.path)
        return self.path

    def abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                self._writer = None
        self.tmp.unlink(missing_ok=True)


def _text_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if table[c].dtype == object or str(table[c].dtype) in ("str", "string")]


def write_parquet(table: pd.DataFrame, path: str | Path) -> None:
    """Parquet with zstd and dictionary encoding for text columns only: dictionary-encoding
    columns of distinct floats is most of the write time and makes files bigger (measured on a
    5,000-run participants table: 0.113 s and 5.9 MiB with it, 0.041 s and 4.2 MiB without)."""
    text = _text_columns(table)
    table.to_parquet(path, index=False, compression="zstd", use_dictionary=text or False)


def participants_table(kernel: Kernel, columns=None) -> pd.DataFrame:
    """One row per (run, participant). Real values are float32, the model's own precision (it
    halves what sweeps write); counts are int32. ``columns``: only these (and run and member), in
    the table's order, for a caller that reads a few (a virtual study's statistics)."""
    want = (lambda name: True) if columns is None else set(columns).__contains__
    g, st = kernel.group, kernel.state
    runs, n = g.runs, g.n
    cols: dict[str, np.ndarray] = {
        "run": np.repeat(kernel.streams.runs, n),
        "member": np.tile(np.arange(n), runs),
    }
    for name in STATIC_ATTRIBUTES:
        if want(name):
            values = g.attrs[name].ravel()
            cols[name] = values.astype(bool) if name in BOOL_ATTRIBUTES else values
    if want("difference_from_group"):
        cols["difference_from_group"] = _mean_difference(kernel).ravel()
    if want("dropped_out"):
        cols["dropped_out"] = st.dropped.ravel()
    if want("dropout_session"):
        session = pd.array(np.where(st.dropped, st.dropout_session, 0).ravel(), dtype="Int64")
        session[~st.dropped.ravel()] = pd.NA
        cols["dropout_session"] = session
    if want("sessions_attended"):
        cols["sessions_attended"] = st.sessions_attended.ravel().astype(np.int32)
    if want("shared_sessions"):
        cols["shared_sessions"] = st.shared_sessions.ravel().astype(np.int32)
    base = kernel.snapshots["baseline"].values
    end = kernel.snapshots.get("end", kernel.snapshots["baseline"]).values
    followup = kernel.snapshots.get("followup", kernel.snapshots.get("end")).values
    for name in REPORTED:
        for when, snapshot in (("baseline", base), ("end", end)):
            if want(f"{name}_{when}"):
                cols[f"{name}_{when}"] = snapshot[name].ravel().astype(np.float32)
    for name in FOLLOWUP:
        if want(f"{name}_followup"):
            cols[f"{name}_followup"] = followup[name].ravel().astype(np.float32)
    counts = (("sprouts_end", end, "sprouts"), ("realised_changes_end", end, "realised"))
    for column, snapshot, name in (*counts, ("realised_changes_followup", followup, "realised")):
        if want(column):
            cols[column] = snapshot[name].ravel().astype(np.int32)
    if want("companionship"):
        cols["companionship"] = st.companionship.ravel()
    if want("bridging_followup"):
        cols["bridging_followup"] = followup["bridging"].ravel().astype(np.float32)
    for i, name in enumerate(kernel.channels):
        if want(f"mech_{name}_sessions"):
            cols[f"mech_{name}_sessions"] = kernel.activations[i].ravel().astype(np.int32)
    return pd.DataFrame(cols)


def _mean_difference(kernel: Kernel) -> np.ndarray:
    """Each participant's mean objective difference from the other members (0–1)."""
    d = kernel.group.difference
    return d.sum(axis=2) / (d.shape[2] - 1)


def groups_table(kernel: Kernel, participants: pd.DataFrame) -> pd.DataFrame:
    """One row per run: composition, process and outcome of the group."""
    g, st = kernel.group, kernel.state
    end = kernel.snapshots.get("end", kernel.snapshots["baseline"]).values
    base = kernel.snapshots["baseline"].values
    completers = ~st.dropped
    n_completers = completers.sum(axis=1)
    attended = np.maximum(st.sessions_attended.sum(axis=1), 1)

    def completer_mean(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n_completers > 0, (x * completers).sum(axis=1) / n_completers, np.nan)

    return pd.DataFrame(
        {
            "run": kernel.streams.runs,
            "group_size": np.full(g.runs, g.n),
            "age_sd": g.attrs["age"].std(axis=1),
            "employed_count": g.attrs["employed"].sum(axis=1).astype(np.int64),
            "n_dropouts": st.dropped.sum(axis=1).astype(np.int64),
            "dropout_rate": st.dropped.mean(axis=1),
            "mishandled_sessions": kernel.mishandled_sessions.astype(np.int64),
            "share_rate": st.shared_sessions.sum(axis=1) / attended,
            "cohesion_end": completer_mean(end["connectedness"]),
            "safety_end": completer_mean(end["safety"]),
            "recovery_gain": (end["recovery"] - base["recovery"]).mean(axis=1),
            "qpr_gain": (end["qpr"] - base["qpr"]).mean(axis=1),
            # the group's mean and (population) variance of QPR-15 at the end, so that a trial
            # effect size can be computed from group rows alone (law of total variance)
            "qpr_end_mean": end["qpr"].mean(axis=1),
            "qpr_end_var": end["qpr"].var(axis=1),
            "hope_gain": (end["hope"] - base["hope"]).mean(axis=1),
            "companionship_uptake": st.companionship.mean(axis=1),
        }
    )


def sessions_table(kernel: Kernel) -> pd.DataFrame:
    """One row per (run, week, participant), weeks 0 (baseline) to the end of follow-up."""
    history = kernel.history
    weeks = np.array([h["week"] for h in history])
    runs, n = kernel.group.runs, kernel.group.n
    n_weeks = len(weeks)

    def stack(name: str) -> np.ndarray:
        # (W, R, N) -> (R, W, N) -> flat, so rows run by run, week by week, member by member
        return np.stack([h[name] for h in history]).transpose(1, 0, 2).ravel()

    week_col = np.tile(np.repeat(weeks, n), runs)
    n_sessions = kernel.params.n_sessions
    phase = np.where(week_col == 0, "baseline", np.where(week_col <= n_sessions, "course", "follow_up"))
    cols: dict[str, np.ndarray] = {
        "run": np.repeat(kernel.streams.runs, n_weeks * n),
        "week": week_col,
        "member": np.tile(np.arange(n), runs * n_weeks),
        "phase": phase,
    }
    for name in history[0]:
        if name in ("week", "ties"):  # ties are (R, N, M): kept for figures, not a table column
            continue
        column = stack(name)
        if name == "dropped":
            name = "dropped_out"
        cols[name] = column
    return pd.DataFrame(cols)
