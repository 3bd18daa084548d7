"""One scenario run and written, as ``peersim run`` does it, callable from Python.

``run_scenario(params, runs, seed, out=...)`` simulates block by block (the PEER arm and, unless
``control=False``, the same people in service as usual), adds each block to the summaries and,
with ``out``, appends it to Parquet files in a claimed run folder with its provenance: memory
stays bounded however many runs. Run k is the same whatever the block (its draws are keyed by
(seed, k)), so the tables are those of one whole ``simulate()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from peersim.core.params import Params
from peersim.core.tables import ParquetStream
from peersim.report.summary import Summary, changed_parameters
from peersim.run.arms import first_run
from peersim.run.draws import uncertainty_mode
from peersim.run.engine import simulate
from peersim.run.limits import run_block
from peersim.run.progress import progress_bar


@dataclass
class ScenarioRun:
    """What ``run_scenario`` made: the summary of every run, and the files it wrote (if any)."""

    summary: Summary
    written: list[Path] = field(default_factory=list)

    def report(self) -> str:
        return self.summary.report()


def run_scenario(
    params: Params,
    runs: int,
    seed: int,
    *,
    record: str = "summary",
    chunk_size: int = 2000,
    population: pd.DataFrame | None = None,
    uncertainty: str = "none",
    control: bool = True,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> ScenarioRun:
    """Simulate ``runs`` courses of ``params`` (and their control arm) and summarise them; with
    ``out``, write tables, summaries, a figure and provenance there. A failed or interrupted run
    marks its folder so, and what it wrote before stays readable."""
    control = control and not params.control_arm
    folder = None
    if out is not None:
        from peersim.sweep.store import RunFolder

        out = Path(out)
        folder = RunFolder(out)
        folder.claim(
            {
                "seed": seed,
                "runs": runs,
                "record": record,
                "control": control,
                "uncertainty": uncertainty_mode(uncertainty),
                "params": params.to_dict(),
                "population": None if population is None else population.to_dict("list"),
                "changed": changed_parameters(params),
            },
            overwrite=overwrite,
        )
    try:
        common = {
            "seed": seed,
            "chunk_size": chunk_size,
            "population": population,
            "uncertainty": uncertainty,
        }
        return _run_and_write(params, runs, record, common, control, out, folder, progress)
    except BaseException as error:
        if folder is not None:
            interrupted = isinstance(error, KeyboardInterrupt)
            folder.finish(
                "interrupted" if interrupted else "failed",
                None if interrupted else f"{type(error).__name__}: {error}",
            )
        raise


def _run_and_write(params, runs, record, common, control, out, folder, progress) -> ScenarioRun:
    # blocks of at most one kernel chunk: progress moves chunk by chunk, memory stays bounded
    block = min(run_block(params, record, control, runs), common["chunk_size"])
    summary = Summary(params, common["seed"])
    streams: dict[str, ParquetStream] = {}
    bar = progress_bar(runs * (2 if control else 1), enabled=progress)
    try:
        for start in range(0, runs, block):
            n = min(block, runs - start)
            this = {**common, "runs": n, "first_run": start}
            res = simulate(params, record=record, **this)
            bar.update(n)
            control_res = None
            if control:
                # a paired contrast: the same people (run numbers) without the group
                same = start + first_run(control=True, people="same")
                control_res = simulate(params.replace(control_arm=True), **{**this, "first_run": same})
                bar.update(n)
            summary.add(res, control_res)
            if out is not None:
                for name in ("participants", "groups", "sessions"):
                    table = getattr(res, name)
                    if table is not None:
                        streams.setdefault(name, ParquetStream(out / f"{name}.parquet")).write(table)
            del res, control_res
    except BaseException:
        for stream in streams.values():
            stream.abort()
        raise
    finally:
        bar.close()
    result = ScenarioRun(summary)
    if out is None:
        return result
    from peersim.report.figures import baseline_figure

    written = [stream.close() for stream in streams.values()]
    tables = [
        ("dropout_by_session", summary.dropout_by_session()),
        ("outcome_changes", summary.outcome_changes()),
        ("mechanism_activation", summary.mechanism_activation()),
    ]
    if control:
        tables.append(("effect_vs_control", summary.effect_vs_control()))
    for name, table in tables:
        table.to_csv(out / f"{name}.csv", index=False, float_format="%.6g")
        written.append(out / f"{name}.csv")
    # with its intervals beside each number (parameter ones in posterior mode)
    summary.headline_table().to_csv(out / "headline.csv", index=False)
    written.append(out / "headline.csv")
    written.append(baseline_figure(summary, out / "summary.png"))
    folder.record(written)
    folder.finish("complete")
    result.written = [*written, out / "provenance.json"]
    return result
