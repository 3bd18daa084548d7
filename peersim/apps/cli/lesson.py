"""`peersim lesson`: one self-contained HTML file of precomputed groups for a class."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "write a lesson: one HTML file (no network, no server) of the same group under chosen scenarios"

#: Without --scenario: the contexts issue 20's teacher compared, after the course --set gives.
DEFAULT_CHANGES = (
    ("paid peer workers as facilitators", {"facilitator_role": "paid"}),
    ("inside mental health services", {"setting": "mental_health_service"}),
)


def add(parser: argparse.ArgumentParser) -> None:
    options.scenario_args(parser, runs=False)
    options.group_args(parser)
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar='"LABEL: NAME=VALUE; ..."',
        help="a scenario: the label a class sees, then the changes from --set (none: as --set gives);"
        " repeatable, at most 6; default: volunteer and paid facilitators, and a service setting",
    )
    parser.add_argument("--title", default=None, help="the page's title")
    parser.add_argument(
        "--out", type=Path, default=Path("lesson.html"), help="the HTML file to write (default: lesson.html)"
    )


def parse_scenario(text: str) -> tuple[str, list[tuple[str, object]]]:
    """``"paid facilitators: facilitator_role=paid; facilitator_skill=0.5"`` -> label, changes."""
    label, _, changes = text.partition(":")
    if not label.strip():
        raise UsageError(
            f"--scenario {text!r}: starts with its label, e.g. 'paid facilitators: facilitator_role=paid'"
        )
    parsed = []
    for part in (p.strip() for p in changes.split(";")):
        if not part:
            continue
        try:
            parsed.append(options.parse_assignment(part))
        except ValueError as error:
            raise UsageError(f"--scenario {label.strip()!r}: {error}") from None
    return label.strip(), parsed


def default_scenarios(base, scenario) -> list:
    """The course as --set gives it, named for what it is, then each default change that changes it
    (a base already with paid facilitators is not offered them again)."""
    from peersim.core.params import Params
    from peersim.report.words import scenario_words

    label = "volunteer peer facilitators (as in PEER)" if base == Params() else scenario_words(base)
    out = [scenario(label, base)]
    for name, changes in DEFAULT_CHANGES:
        other = base.replace(**changes)
        if other != base:
            out.append(scenario(name, other))
    return out


def _check_out(out: Path) -> None:
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out {out}: a lesson is an HTML file; name it ending in .html")
    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; give a file name ending in .html")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"--out {out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--out {out}: cannot write in {folder}")


def run(args: argparse.Namespace) -> int:
    from peersim.report.lesson import Scenario, check_scenarios, write_lesson

    _check_out(args.out)
    population, base = options.population(args, options.scenario(args))
    scenarios = [] if args.scenario else default_scenarios(base, Scenario)
    for text in args.scenario:
        label, changes = parse_scenario(text)
        if any(name == "group_size" for name, _ in changes):
            raise UsageError(
                f"--scenario {label!r} cannot change group_size: every scenario has the same people"
            )
        try:
            params = base.replace(**dict(changes))
        except ValueError as error:
            raise UsageError(f"--scenario {label!r}: {error}") from None
        scenarios.append(Scenario(label, params))
    check_scenarios(scenarios)
    path = write_lesson(args.out, scenarios, args.seed, args.run, population, args.title)
    size = path.stat().st_size // 1024
    print(f"Wrote {path} ({size:,} KB): {len(scenarios)} scenarios, open it in a browser")
    return 0
