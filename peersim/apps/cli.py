"""The ``peersim`` command.

    peersim run [--runs N] [--seed S] [--set name=value ...] [--population FILE.csv] [--out PATH]
    peersim sweep SPEC.toml | RESULTS_FOLDER [--workers N] [--resume] [--overwrite] [--out PATH]
    peersim verify RESULTS_FOLDER
    peersim export RESULTS_FOLDER --format csv [--out FOLDER]
    peersim params [--group GROUP]
    (and explain, icamo, knockout, figure, sensitivity, trial, viz: ``peersim --help``)

Bad input gets one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
import warnings
from dataclasses import fields
from pathlib import Path

from peersim.core.params import Params
from peersim.core.rng import MAX_SEED
from peersim.core.version import __version__

EXIT_USAGE = 2


class UsageError(ValueError):
    """A problem with what the user asked for (exit code 2)."""


def parse_assignment(text: str) -> tuple[str, object]:
    """``name=value`` into a typed value for that parameter."""
    if "=" not in text:
        raise UsageError(f"--set {text!r}: expected name=value")
    name, raw = (part.strip() for part in text.split("=", 1))
    kinds = {f.name: f.type for f in fields(Params)}
    if name not in kinds:
        Params(**{name: None})  # raises the standard unknown-parameter message with a suggestion
    kind = kinds[name]
    if len(raw) > 1000:
        raise UsageError(f"--set {name}: the value is too long ({len(raw):,} characters)")
    if name == "session_plan":
        raise UsageError("session_plan cannot be set on the command line; use the Python API")
    if name == "disabled_mechanisms":
        return name, tuple(x.strip() for x in raw.split(",") if x.strip())
    if kind == "bool":
        lowered = raw.lower()
        if lowered in ("true", "yes", "on", "1"):
            return name, True
        if lowered in ("false", "no", "off", "0"):
            return name, False
        raise UsageError(f"{name} = {raw!r} must be true or false")
    if kind in ("int", "float"):
        try:
            return name, int(raw)  # exact, however large (Params then says it is out of range)
        except ValueError:
            pass
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"{name} = {raw!r} must be a number") from None
        if kind == "int" and value.is_integer():
            return name, int(value)
        return name, value
    return name, raw


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peersim", description="Simulate PEER peer-support groups.")
    parser.add_argument("--version", action="version", version=f"peersim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate many courses and summarise them")
    run.add_argument("--runs", type=int, default=10_000, help="number of courses (default 10000)")
    run.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    run.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="change a parameter (repeatable)"
    )
    _population_arg(run)
    run.add_argument("--out", type=Path, default=None, help="folder for tables and figure")
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another scenario's results in --out (only the files peersim recorded there)",
    )
    run.add_argument(
        "--force", action="store_true", help="start even if the run looks too large for this machine"
    )
    run.add_argument(
        "--record",
        choices=("summary", "sessions"),
        default="summary",
        help="sessions adds the per-week table (one row per run, week and participant)",
    )
    run.add_argument(
        "--no-control",
        action="store_true",
        help="skip the control arm (by default the same people are also run without a group)",
    )
    run.add_argument("--chunk-size", type=int, default=2000, help="runs per kernel chunk")
    _uncertainty_arg(run)
    run.add_argument("--quiet", action="store_true", help="no progress (a bar on a terminal, lines in a log)")
    sweep = sub.add_parser("sweep", help="run an experiment spec (TOML): a design of scenarios")
    sweep.add_argument(
        "spec",
        type=Path,
        help="the experiment spec, e.g. experiments/contexts.toml, or a results folder (to finish or repair)",
    )
    _sweep_args(sweep)
    verify = sub.add_parser(
        "verify", help="check a sweep's results folder: every chunk's files, rows and checksums"
    )
    verify.add_argument("folder", type=Path, help="the results folder (holds spec.json and manifest.jsonl)")
    explain = sub.add_parser("explain", help="tell one participant's course in plain language")
    _scenario_args(explain, runs=False)
    _group_args(explain)
    explain.add_argument("--member", type=int, default=0, help="which participant (0 to group size - 1)")
    explain.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="replay the same group and draws with this change (repeatable); say where the stories part",
    )
    icamo = sub.add_parser(
        "icamo", help="ICAMO table: mechanisms fired, for whom, in which context, with what outcome"
    )
    _scenario_args(icamo, runs=True)
    _population_arg(icamo)
    icamo.add_argument(
        "--sweep", type=Path, default=None, help="read a sweep's results folder instead of simulating"
    )
    icamo.add_argument(
        "--strata",
        default=",".join(("employed", "age", "adversity", "sharing_vulnerability")),
        help="actor strata, comma-separated (e.g. employed,age,adversity,sharing_vulnerability)",
    )
    icamo.add_argument("--out", type=Path, default=None, help="write the table as CSV")
    _uncertainty_arg(icamo)
    icamo.add_argument("--figure", type=Path, default=None, help="write the table as a figure (PNG)")
    knock = sub.add_parser(
        "knockout", help="each mechanism's contribution: the same groups with it switched off"
    )
    _scenario_args(knock, runs=True)
    knock.add_argument("--mechanisms", default=None, help="comma-separated (default: all)")
    knock.add_argument("--out", type=Path, default=None, help="write the contrasts as CSV")
    _uncertainty_arg(knock)
    figure = sub.add_parser("figure", help="teaching figures of one group")
    figure.add_argument("kind", choices=("circles", "animation", "heatmap", "trajectories", "all"))
    _scenario_args(figure, runs=False)
    _group_args(figure)
    figure.add_argument("--colour-by", default="hope", help="state that colours the participants (circles)")
    figure.add_argument("--state", default="hope", help="state to follow (trajectories)")
    figure.add_argument(
        "--out", type=Path, default=Path("figures"), help="folder for the files (default: figures)"
    )
    sens = sub.add_parser("sensitivity", help="global sensitivity (Sobol or Morris) from a spec")
    sens.add_argument("spec", type=Path, help="a spec whose design kind is saltelli or morris")
    _sweep_args(sens)
    trial_p = sub.add_parser("trial", help="a virtual trial: PEER against service as usual")
    _scenario_args(trial_p, runs=False)
    trial_p.add_argument(
        "--n-peer", type=int, default=None, help="participants randomised to PEER (default 145, as the trial)"
    )
    trial_p.add_argument(
        "--n-control",
        type=int,
        default=None,
        help="participants randomised to service as usual (default 151, as the trial)",
    )
    trial_p.add_argument(
        "--n-per-arm",
        type=int,
        default=None,
        help="shorthand: this many in each arm (not with --n-peer/--n-control)",
    )
    trial_p.add_argument("--trials", type=int, default=1, help="number of hypothetical trials (default 1)")
    trial_p.add_argument("--out", type=Path, default=None, help="write the results as CSV")
    _population_arg(trial_p)
    _uncertainty_arg(trial_p)
    trial_p.add_argument("--quiet", action="store_true", help="no progress")
    export = sub.add_parser("export", help="write a sweep's tables as CSV (chunk by chunk)")
    export.add_argument("folder", type=Path, help="a sweep's results folder, e.g. results/contexts/raw")
    export.add_argument("--format", choices=("csv",), default="csv", help="output format (csv)")
    export.add_argument(
        "--out", type=Path, default=None, help="folder for the CSV files (default: FOLDER/csv)"
    )
    export.add_argument(
        "--tables", default=None, help="comma-separated tables to export (default: every table kept)"
    )
    export.add_argument("--overwrite", action="store_true", help="replace CSV files already there")
    viz = sub.add_parser("viz", help="start the browser app (Solara)")
    viz.add_argument("--port", type=int, default=8765)
    viz.add_argument("--host", default="localhost")
    params = sub.add_parser("params", help="list every parameter with default, range and meaning")
    params.add_argument("--group", default=None, help="only this group (e.g. safety)")
    params.add_argument(
        "--json",
        action="store_true",
        help="one JSON list: name, default, low, high, unit, group, evidence, source, prior",
    )
    return parser


def _uncertainty_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--uncertainty",
        choices=("none", "posterior"),
        default="none",
        help="posterior: each run (trial) takes a draw of the calibrated posterior, and intervals"
        " show parameter uncertainty apart from Monte Carlo error",
    )


def _uncertainty(args: argparse.Namespace) -> str | None:
    return None if args.uncertainty == "none" else args.uncertainty


def _check_out(out: Path | None) -> None:
    """Fail before simulating if the output folder cannot be written, so no work is lost."""
    if out is None:
        return
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    probe = out if out.exists() else next((p for p in out.parents if p.exists()), Path("."))
    if not os.access(probe, os.W_OK):
        raise UsageError(f"--out {out}: cannot write there")


def cmd_run(args: argparse.Namespace) -> int:

    from peersim.run.limits import check_run

    _check_count("--runs", args.runs, 1)
    _check_count("--seed", args.seed, 0)
    _check_count("--chunk-size", args.chunk_size, 1)
    population, params = _population(args, Params(**dict(parse_assignment(s) for s in args.set)))
    control_arm = not params.control_arm and not args.no_control
    check_run(params, args.runs, args.record, control_arm, args.out, args.chunk_size, args.force)
    _check_out(args.out)
    from peersim.report.scenario import run_scenario

    result = run_scenario(
        params,
        args.runs,
        args.seed,
        record=args.record,
        chunk_size=args.chunk_size,
        population=population,
        uncertainty=_uncertainty(args),
        control=control_arm,
        out=args.out,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    print(result.report())
    if result.written:
        print("\nWrote " + ", ".join(str(p) for p in result.written))
    return 0


def _check_count(flag: str, value: int, low: int) -> None:
    """A whole-number option within low .. 2**63 - 1 (seeds, runs and run indices)."""
    if not low <= value <= MAX_SEED:
        shown = value if abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
        raise UsageError(f"{flag} {shown}: must be {low} to 2**63 - 1")


def _sweep_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: all cores)"
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDR", help="a Dask scheduler, e.g. tcp://host:8786"
    )
    parser.add_argument(
        "--resume", action="store_true", help="finish an interrupted run (only missing chunks)"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace results already in the folder (only the files peersim recorded there)",
    )
    parser.add_argument("--out", type=Path, default=None, help="results folder (default: the spec's out)")
    parser.add_argument(
        "--allow-outside",
        action="store_true",
        help="let the spec's out lie outside the current folder (--out on the command line needs no flag)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="start even if the sweep looks too large for this machine, and use more workers than cores",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress (a bar on a terminal, lines in a log)"
    )


def _population_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--population",
        type=Path,
        default=None,
        metavar="FILE.csv",
        help="CSV of the group's participants (one row each); the same people in every group",
    )


def _group_args(parser: argparse.ArgumentParser) -> None:
    """One group to look at: which run of the seed, and optionally its people from a CSV."""
    parser.add_argument("--run", type=int, default=0, help="which run (group) of the seed")
    _population_arg(parser)


def _scenario_args(parser: argparse.ArgumentParser, runs: bool) -> None:
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    if runs:
        parser.add_argument("--runs", type=int, default=2000, help="groups to simulate (default 2000)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="change a parameter")


def _scenario(args: argparse.Namespace, arms: int = 1) -> Params:
    """The scenario of --seed and --set; with --runs, refused if ``arms`` times that many courses
    cannot fit in memory here."""
    _check_count("--seed", args.seed, 0)
    if hasattr(args, "runs"):
        _check_count("--runs", args.runs, 1)
    if hasattr(args, "run"):
        _check_count("--run", args.run, 0)
    params = Params(**dict(parse_assignment(s) for s in args.set))
    if hasattr(args, "runs"):
        from peersim.run.limits import check_run

        check_run(params, args.runs * arms, control=False, streamed=False)
    return params


def _population(args: argparse.Namespace, params: Params):
    """The --population table (validated) and the params with its group size."""
    if args.population is None:
        return None, params
    import io

    import pandas as pd

    from peersim.core.population import sized_for, validate_population

    try:
        raw = args.population.read_bytes()
    except OSError as error:
        raise UsageError(
            f"--population {args.population}: cannot read it as CSV ({error.strerror or error})"
        ) from None
    if len(raw) > 1_000_000:
        raise UsageError(
            f"--population {args.population}: too large for a group of 2 to 24 ({len(raw):,} bytes)"
        )
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (as spreadsheets save) is fine
    except UnicodeDecodeError as error:
        raise UsageError(
            f"--population {args.population}: not UTF-8 text (byte {error.start}); save it as UTF-8 CSV"
        ) from None
    try:
        table = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        reason = " ".join(str(error).split())[:200]
        raise UsageError(f"--population {args.population}: cannot read it as CSV ({reason})") from None
    if table.columns.duplicated().any() or any(str(c).endswith(".1") for c in table.columns):
        twice = [c for c in table.columns if f"{c}.1" in table.columns] or list(table.columns)
        raise UsageError(f"--population {args.population}: column {twice[0]!r} appears twice")
    table = validate_population(table, params)
    if any(s.split("=", 1)[0].strip() == "group_size" for s in args.set):
        raise UsageError(
            f"--population {args.population} has {len(table)} rows and so sets the group size;"
            " drop --set group_size"
        )
    return table, sized_for(params, table)


def cmd_explain(args: argparse.Namespace) -> int:
    from peersim.report.narrative import compare, story

    population, params = _population(args, _scenario(args))
    if not 0 <= args.member < params.group_size:
        raise UsageError(f"--member {args.member}: the group has participants 0 to {params.group_size - 1}")
    if args.compare:
        other = params.replace(**dict(parse_assignment(s) for s in args.compare))
        if other.group_size != params.group_size:
            raise UsageError("--compare cannot change group_size: the same group is replayed")
        print(compare(params, other, args.seed, args.run, args.member, population))
    else:
        print(story(params, args.seed, args.run, args.member, population)[1])
    return 0


def cmd_icamo(args: argparse.Namespace) -> int:
    from peersim.studies.icamo import format_icamo, icamo_table

    strata = [s.strip() for s in args.strata.split(",") if s.strip()]
    if args.sweep is not None:
        from peersim.sweep import load_results

        if args.set or args.population:
            flag = "--set" if args.set else "--population"
            raise UsageError(f"{flag} does not apply to --sweep: the sweep's parameters are fixed")
        results = load_results(args.sweep)
        if not results.complete:
            print(
                f"peersim: warning: {args.sweep} is not a complete sweep; the table covers only its"
                " finished chunks (finish it with peersim sweep --resume)",
                file=sys.stderr,
            )
    else:
        from peersim.run.engine import simulate

        population, params = _population(args, _scenario(args))
        results = simulate(
            params, runs=args.runs, seed=args.seed, population=population, uncertainty=_uncertainty(args)
        )
    with warnings.catch_warnings():  # said once above, in one line
        warnings.simplefilter("ignore", UserWarning)
        table = icamo_table(results, strata=strata)
    print(format_icamo(table))
    if args.out:
        table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"\nWrote {args.out}")
    if args.figure:
        from peersim.report.teaching import icamo_figure

        print(f"Wrote {icamo_figure(table, path=args.figure)}")
    return 0


def cmd_knockout(args: argparse.Namespace) -> int:
    from peersim.core.params import MECHANISMS
    from peersim.studies.knockout import format_knockouts, knockouts

    mechanisms = (
        MECHANISMS if args.mechanisms is None else tuple(m.strip() for m in args.mechanisms.split(","))
    )
    table = knockouts(
        _scenario(args, arms=len(mechanisms) + 1),
        runs=args.runs,
        seed=args.seed,
        mechanisms=mechanisms,
        uncertainty=_uncertainty(args),
    )
    print(format_knockouts(table))
    where = f"in {args.out}" if args.out else "in the CSV that --out writes"
    print(f"\n95% intervals (over groups) are {where}; with the same draws, a mechanism that does not act")
    print("on an outcome contributes exactly 0.")
    if args.out:
        table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"Wrote {args.out}")
    return 0


def cmd_figure(args: argparse.Namespace) -> int:
    import numpy as np

    from peersim.core.kernel import Kernel
    from peersim.report import teaching

    population, params = _population(args, _scenario(args))
    if args.colour_by not in teaching.COLOUR_BY or args.state not in teaching.COLOUR_BY:
        bad = args.colour_by if args.colour_by not in teaching.COLOUR_BY else args.state
        raise UsageError(f"{bad!r} is not a state; choose one of {', '.join(teaching.COLOUR_BY)}")
    _check_out(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    kernel = Kernel(params, args.seed, np.array([args.run]), population, record_ties=True)
    kernel.run()
    stem = f"seed{args.seed}_run{args.run}"
    if args.set or args.population:  # a different scenario gets a different file name
        label = "_".join([*args.set, *([args.population.stem] if args.population else [])])
        stem += "_" + "".join(c if c.isalnum() or c in "._-" else "-" for c in label)
    kinds = ("circles", "animation", "heatmap", "trajectories") if args.kind == "all" else (args.kind,)
    written = []
    for kind in kinds:
        if kind == "circles":
            written.append(
                teaching.group_circles(kernel, args.colour_by, path=args.out / f"circles_{stem}.png")
            )
        elif kind == "animation":
            written.append(teaching.group_animation(kernel, args.out / f"group_{stem}.gif", args.colour_by))
        elif kind == "heatmap":
            written.append(teaching.activation_heatmap(kernel, path=args.out / f"mechanisms_{stem}.png"))
        else:
            written.append(
                teaching.trajectories(kernel, args.state, path=args.out / f"{args.state}_{stem}.png")
            )
    print("Wrote " + ", ".join(str(p) for p in written))
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    try:
        from peersim.stats.sensitivity import OUTPUTS, run_sensitivity, sensitivity_figure
    except ImportError:
        raise UsageError("sensitivity analysis needs SALib: pip install 'peersim[sa]'") from None
    from peersim.sweep import load_results, load_spec

    spec = load_spec(args.spec)
    if spec.design_kind not in ("saltelli", "morris"):
        raise UsageError(
            f"{args.spec}: design kind is {spec.design_kind!r}; sensitivity needs saltelli or morris"
        )
    if "control" not in spec.tables or "groups" not in spec.tables:
        spec = spec.replace(tables=sorted({*spec.tables, "groups", "control"}))
    if args.out is not None:
        spec = spec.replace(out=str(args.out))
    else:
        _check_spec_out(spec, args)
    code = cmd_sweep_spec(spec, args)
    if code:
        return code
    table, outputs = run_sensitivity(load_results(spec.out_dir), seed=spec.seed)
    folder = spec.out_dir
    table.to_csv(folder / "sensitivity_indices.csv", index=False, float_format="%.6g")
    outputs.to_csv(folder / "outputs_by_point.csv", index=False, float_format="%.6g")
    figure = sensitivity_figure(table, spec.design_kind, folder / "sensitivity.png")
    key = "ST" if spec.design_kind == "saltelli" else "mu_star"
    for output in dict.fromkeys(table.output):
        top = table[table.output == output].nlargest(3, key)
        ranked = ", ".join(f"{r.parameter} ({key} {getattr(r, key):.2f})" for r in top.itertuples())
        print(f"{OUTPUTS[output]}: most influential {ranked}")
    print(f"Wrote {folder / 'sensitivity_indices.csv'}, {folder / 'outputs_by_point.csv'}, {figure}")
    return 0


def cmd_trial(args: argparse.Namespace) -> int:
    from peersim.run.arms import TRIAL_ARMS
    from peersim.studies.trial import format_trial, trial

    if args.n_per_arm is not None and (args.n_peer is not None or args.n_control is not None):
        raise UsageError("--n-per-arm sets both arms: give it, or --n-peer and --n-control, not both")
    n_peer = args.n_per_arm if args.n_per_arm is not None else args.n_peer
    n_control = args.n_per_arm if args.n_per_arm is not None else args.n_control
    n_peer = TRIAL_ARMS[0] if n_peer is None else n_peer
    n_control = TRIAL_ARMS[1] if n_control is None else n_control
    for flag, value in (("--n-peer", n_peer), ("--n-control", n_control)):
        if value < 2:
            flag = "--n-per-arm" if args.n_per_arm is not None else flag
            raise UsageError(f"{flag} {value}: must be at least 2")
    if args.trials < 1:
        raise UsageError(f"--trials {args.trials}: must be at least 1")
    population, params = _population(args, _scenario(args))
    from peersim.run.limits import check_run

    # each trial runs n / group_size groups (blocks) in each arm
    groups = args.trials * (-(-n_peer // params.group_size) + -(-n_control // params.group_size))
    check_run(params, groups, control=False, streamed=False)
    result = trial(
        params,
        seed=args.seed,
        trials=args.trials,
        uncertainty=_uncertainty(args),
        population=population,
        progress=not args.quiet,
        n_peer=n_peer,
        n_control=n_control,
    )
    print(format_trial(result))
    if args.out:
        result.table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"\nWrote {args.out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from peersim.sweep.export import export_csv

    tables = None if args.tables is None else [t.strip() for t in args.tables.split(",") if t.strip()]
    written = export_csv(args.folder, args.out, tables=tables, overwrite=args.overwrite)
    for path, rows in written:
        print(f"Wrote {path} ({rows:,} rows)")
    return 0


def cmd_viz(args: argparse.Namespace) -> int:
    import importlib.util
    import subprocess

    if importlib.util.find_spec("solara") is None:
        raise UsageError("the browser app needs Solara: pip install 'peersim[viz]'")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: must be 1 to 65535")
    app = Path(__file__).with_name("app.py")
    print(f"peersim: starting the app at http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    # the server ends with this process, however it ends (peersim.run.lifeline): killing `peersim viz`
    # never leaves it serving; offline: no look-up of Solara's newest version, no usage reports
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    command = [sys.executable, "-m", "peersim.run.lifeline", str(os.getpid()), "solara", "run", str(app)]
    options = ["--host", args.host, "--port", str(args.port), "--production", "--no-check-version"]
    server = subprocess.Popen([*command, *options], env=env)
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=10)
        raise


def cmd_sweep(args: argparse.Namespace) -> int:
    from peersim.sweep import load_spec

    spec = load_spec(args.spec)
    if args.out is not None:
        spec = spec.replace(out=str(args.out))
    else:
        _check_spec_out(spec, args)
    return cmd_sweep_spec(spec, args)


def _check_spec_out(spec, args: argparse.Namespace) -> None:
    """A spec file may not send results outside the current folder unless the user says so: a
    shared spec with ``out = "../../"`` never writes somewhere unexpected."""
    if args.allow_outside or args.spec.is_dir() or args.spec.suffix == ".json":
        return  # a results folder named on the command line is where the user asked
    cwd = Path.cwd().resolve()
    out = spec.out_dir.resolve()
    if not out.is_relative_to(cwd):
        raise UsageError(
            f"{args.spec}: out = {str(spec.out_dir)!r} lies outside the current folder {cwd}; give --out"
            " on the command line, or --allow-outside to confirm"
        )


def cmd_verify(args: argparse.Namespace) -> int:
    from peersim.sweep.results import verify_folder

    ok, lines = verify_folder(args.folder)
    print("\n".join(lines))
    return 0 if ok else 1


def cmd_sweep_spec(spec, args: argparse.Namespace) -> int:
    from peersim.sweep import run_sweep

    if args.workers is not None and not 1 <= args.workers <= 100_000:
        raise UsageError(f"--workers {args.workers}: must be 1 to 100000")
    if args.workers is not None and args.scheduler:
        raise UsageError("--workers and --scheduler exclude each other (a Dask cluster has its own workers)")
    try:
        report = run_sweep(
            spec,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            overwrite=args.overwrite,
            progress=not args.quiet,
            force=args.force,
        )
    except KeyboardInterrupt:
        print(
            f"peersim: interrupted; finished chunks are kept in {spec.out_dir}; "
            "run the same command with --resume to finish",
            file=sys.stderr,
        )
        return 130
    print(
        f"{spec.name}: {report.chunks_run} chunks run ({report.runs:,} courses, {report.rate:,.0f}/s),"
        f" {report.chunks_skipped} already done, {report.chunks_total} in all; results in {report.folder}"
    )
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from peersim.data.register import describe

    rows = describe()
    groups = list(dict.fromkeys(r["group"] for r in rows))
    if args.group is not None and args.group not in groups:
        raise UsageError(f"--group {args.group!r}: unknown; groups are {', '.join(groups)}")
    if args.json:
        import json

        keys = ("name", "default", "low", "high", "unit", "group", "evidence", "source", "prior")
        chosen = [r for r in rows if args.group in (None, r["group"])]
        plain = [{k: _jsonable(r[k]) for k in keys} for r in chosen]
        print(json.dumps(plain, indent=1, ensure_ascii=False))
        return 0
    print("evidence: S seed, T trial, L literature, C calibrated, A assumption (--json: sources, priors)")
    width = max(len(r["name"]) for r in rows)
    for group in groups:
        if args.group not in (None, group):
            continue
        print(f"[{group}]")
        for r in (r for r in rows if r["group"] == group):
            default = r["default"]
            if isinstance(default, tuple):
                default = ",".join(default) or "(none)"
            unit = f" {r['unit']}" if r["unit"] else ""
            grade = r["evidence"][0].upper()
            print(f"  {grade} {r['name']:{width}s} {default!s:>14s}   [{r['valid']}{unit}]  {r['meaning']}")
        print()
        if group == "theory":  # what each choice of `theory` means (docs/ODD.md, 7.14)
            from peersim.core.theories import THEORIES

            for theory in THEORIES.values():
                print(textwrap.indent(theory.describe(), "    "), end="\n\n")
    return 0


def _jsonable(value):
    """Parameter values for JSON: the session plan as its titles, tuples as lists."""
    if isinstance(value, tuple):
        return [v.title if hasattr(v, "title") else v for v in value]
    return value


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """peersim's own warnings (results folders, limits) as one line each, like its errors."""
    if issubclass(category, UserWarning) and category.__module__.startswith("peersim."):
        print(f"peersim: warning: {message}", file=sys.stderr)
    else:
        _default_show_warning(message, category, filename, lineno, file, line)


_default_show_warning = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        if args.command == "run":
            return cmd_run(args)
        commands = {
            "sweep": cmd_sweep,
            "verify": cmd_verify,
            "explain": cmd_explain,
            "icamo": cmd_icamo,
            "knockout": cmd_knockout,
            "figure": cmd_figure,
            "viz": cmd_viz,
            "trial": cmd_trial,
            "sensitivity": cmd_sensitivity,
            "params": cmd_params,
            "export": cmd_export,
        }
        return commands[args.command](args)
    except ValueError as error:  # UsageError and every validation error of Params / population
        print(f"peersim: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `peersim params | head`: the reader left; that is fine
        # (before OSError, of which it is one); stdout is gone, so no flush at exit either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # e.g. the disk filled while writing: say so, without a traceback
        print(f"peersim: error: {error}", file=sys.stderr)
        return 1
    except MemoryError:
        print(
            "peersim: error: out of memory; use fewer runs (or a sweep, which writes as it goes)",
            file=sys.stderr,
        )
        return 1
    except RecursionError:
        print("peersim: error: an input is nested too deeply", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("peersim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
