"""What the commands share: options that several of them take, the scenario and population those
options name, and the one-line error machinery (bad input: one line on stderr and exit code 2,
never a traceback)."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from dataclasses import fields
from pathlib import Path

from peersim.core.params import Params
from peersim.core.rng import MAX_SEED
from peersim.run.draws import UNCERTAINTY

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


def switch(parser: argparse.ArgumentParser, name: str, help: str) -> None:
    """An on/off option (off unless given)."""
    parser.add_argument(name, action="store_true", help=help)


def uncertainty_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--uncertainty",
        choices=UNCERTAINTY,
        default="none",
        help="posterior: each run (trial) takes a draw of the calibrated posterior, and intervals"
        " show parameter uncertainty apart from Monte Carlo error",
    )


def check_out(out: Path | None) -> None:
    """Fail before simulating if the output folder cannot be written, so no work is lost."""
    if out is None:
        return
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    probe = out if out.exists() else next((p for p in out.parents if p.exists()), Path("."))
    if not os.access(probe, os.W_OK):
        raise UsageError(f"--out {out}: cannot write there")


def check_count(option: str, value: int, low: int) -> None:
    """A whole-number option within low .. 2**63 - 1 (seeds, runs and run indices)."""
    if not low <= value <= MAX_SEED:
        shown = value if abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
        raise UsageError(f"{option} {shown}: must be {low} to 2**63 - 1")


def population_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--population",
        type=Path,
        default=None,
        metavar="FILE.csv",
        help="CSV of the group's participants (one row each); the same people in every group",
    )


def group_args(parser: argparse.ArgumentParser) -> None:
    """One group to look at: which run of the seed, and optionally its people from a CSV."""
    parser.add_argument("--run", type=int, default=0, help="which run (group) of the seed")
    population_arg(parser)


def scenario_args(parser: argparse.ArgumentParser, runs: bool) -> None:
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    if runs:
        parser.add_argument("--runs", type=int, default=2000, help="groups to simulate (default 2000)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="change a parameter")


def scenario(args: argparse.Namespace, arms: int = 1) -> Params:
    """The scenario of --seed and --set; with --runs, refused if ``arms`` times that many courses
    cannot fit in memory here."""
    check_count("--seed", args.seed, 0)
    if hasattr(args, "runs"):
        check_count("--runs", args.runs, 1)
    if hasattr(args, "run"):
        check_count("--run", args.run, 0)
    params = Params(**dict(parse_assignment(s) for s in args.set))
    if getattr(args, "command", None) != "run":  # run's report says it in its header
        from peersim.core.plan import plan_change

        if change := plan_change(params.session_plan, params.n_sessions):
            print(f"peersim: note: {change}", file=sys.stderr)
    if hasattr(args, "runs"):
        from peersim.run.limits import check_run

        check_run(params, args.runs * arms, control=False, streamed=False)
    return params


def population(args: argparse.Namespace, params: Params):
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


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """peersim's own warnings (results folders, limits) as one line each, like its errors."""
    if issubclass(category, UserWarning) and category.__module__.startswith("peersim."):
        print(f"peersim: warning: {message}", file=sys.stderr)
    else:
        _default_show_warning(message, category, filename, lineno, file, line)


_default_show_warning = warnings.showwarning


def run_command(command, args: argparse.Namespace) -> int:
    """``command(args)``, its failures as one line on stderr and an exit code, never a traceback."""
    try:
        return command(args)
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
