"""`peersim knockout`: each mechanism's contribution, the same groups with it switched off."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options

HELP = "each mechanism's contribution: the same groups with it switched off"


def add(parser: argparse.ArgumentParser) -> None:
    options.scenario_args(parser, runs=True)
    parser.add_argument("--mechanisms", default=None, help="comma-separated (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="write the contrasts as CSV")
    options.uncertainty_arg(parser)
    options.switch(parser, "--quiet", "the table only, without the notes under it")


def run(args: argparse.Namespace) -> int:
    from peersim.core.params import MECHANISMS
    from peersim.report.summary import BASELINE_RULE
    from peersim.studies.knockout import knockouts

    mechanisms = (
        MECHANISMS if args.mechanisms is None else tuple(m.strip() for m in args.mechanisms.split(","))
    )
    table = knockouts(
        options.scenario(args, arms=len(mechanisms) + 1),
        runs=args.runs,
        seed=args.seed,
        mechanisms=mechanisms,
        uncertainty=args.uncertainty,
    )
    print(format_contributions(table))
    if not args.quiet:
        if "param_low" in table:
            print(
                "\n[..]: 95% Monte Carlo interval over groups; {par ..}: parameter uncertainty, the 2.5th"
                " and 97.5th percentiles over posterior draws (both runs of a pair share their draw)."
            )
        else:
            where = f"in {args.out}" if args.out else "in the CSV that --out writes"
            print(f"\n95% intervals (over groups) are {where}.")
        print("With the same draws, a mechanism that does not act on an outcome contributes exactly 0.")
        print(
            BASELINE_RULE
            + ("; these are posterior numbers" if "param_low" in table else "; these are at the defaults")
        )
    if args.out:
        table.to_csv(args.out, index=False, float_format="%.6g")
        if not args.quiet:
            print(f"Wrote {args.out}")
    return 0


def _label(outcome: str) -> str:
    return outcome.removesuffix("_end").replace("_followup", " (follow-up)").replace("_", " ")


def format_contributions(table) -> str:
    """The contributions as a table, mechanisms down and outcomes across with their whole names;
    in posterior mode one line per outcome, with both intervals."""
    from peersim.core.params import MECHANISMS
    from peersim.report.summary import par_text

    mechanisms = [m for m in MECHANISMS if m in set(table.mechanism)]
    outcomes = list(dict.fromkeys(table.outcome))
    lines = ["Contribution of each mechanism (full model minus the same groups with it switched off):"]
    if "param_low" not in table:
        wide = table.pivot(index="mechanism", columns="outcome", values="contribution")
        widths = [max(10, len(_label(o))) + 2 for o in outcomes]
        lines.append(
            f"  {'mechanism':15s}"
            + "".join(f"{_label(o):>{w}s}" for o, w in zip(outcomes, widths, strict=True))
        )
        for mech in mechanisms:
            lines.append(
                f"  {mech:15s}"
                + "".join(f"{wide.loc[mech, o]:+{w}.3f}" for o, w in zip(outcomes, widths, strict=True))
            )
        return "\n".join(lines)
    width = max(len(_label(o)) for o in outcomes)
    for mech in mechanisms:
        lines.append(f"  {mech}")
        for r in table[table.mechanism == mech].itertuples():
            lines.append(
                f"    {_label(r.outcome):{width}s}  {r.contribution:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]"
                f"   {par_text(r._asdict(), '{:+.3f}')}"
            )
    return "\n".join(lines)
