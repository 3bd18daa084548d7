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
    from peersim.report.summary import BASELINE_RULE, changed_names
    from peersim.stats.uncertainty import exploratory_line
    from peersim.studies.knockout import knockouts

    mechanisms = (
        MECHANISMS if args.mechanisms is None else tuple(m.strip() for m in args.mechanisms.split(","))
    )
    params = options.scenario(args, arms=len(mechanisms) + 1)
    table = knockouts(
        params,
        runs=args.runs,
        seed=args.seed,
        mechanisms=mechanisms,
        uncertainty=args.uncertainty,
    )
    print(format_contributions(table))
    line = exploratory_line(changed_names(params))
    if line:
        print(line)
    if not args.quiet:
        if "param_low" in table:
            print(
                "\n[..]: 95% Monte Carlo interval over groups; {par ..}: parameter uncertainty, the 2.5th"
                " and 97.5th percentiles over posterior draws (both runs of a pair share their draw),"
                " ±e the Monte Carlo error of those ends (95%)."
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
        labelled(table).to_csv(args.out, index=False, float_format="%.6g")
        if not args.quiet:
            print(f"Wrote {args.out}")
    return 0


#: the outcomes' names in the table (others: the column's name in words)
OUTCOME_LABELS = {
    "qpr_end": "QPR-15 (0-60)",
    "qpr_followup": "QPR-15 at follow-up",
    "dropped_out": "dropout (share)",
}


def _label(outcome: str) -> str:
    if outcome in OUTCOME_LABELS:
        return OUTCOME_LABELS[outcome]
    return outcome.removesuffix("_end").replace("_followup", " (follow-up)").replace("_", " ")


def mechanism_words(name: str) -> tuple[str, str]:
    """A mechanism as a reader follows it: its label (the mechanism's SPEC) and what switching it
    off means, without the final stop."""
    from peersim.core.mechanisms import registry

    spec = registry.get(name)
    return spec.label, spec.switched_off.rstrip(".")


def labelled(table):
    """The table as the CSV holds it: each identifier followed by the words the printed table
    uses for it, so a reader of the file need not look the names up."""
    table = table.copy()
    table.insert(
        table.columns.get_loc("mechanism") + 1,
        "mechanism_label",
        [mechanism_words(m)[0] for m in table.mechanism],
    )
    table.insert(table.columns.get_loc("outcome") + 1, "outcome_label", [_label(o) for o in table.outcome])
    return table


def format_contributions(table) -> str:
    """The contributions as a table, mechanisms down (by their labels, not their identifiers)
    and outcomes across with their whole names; in posterior mode one line per outcome, with both
    intervals, under each mechanism and what switching it off means."""
    from peersim.core.params import MECHANISMS
    from peersim.report.summary import par_text

    mechanisms = [m for m in MECHANISMS if m in set(table.mechanism)]
    outcomes = list(dict.fromkeys(table.outcome))
    lines = ["Contribution of each mechanism (full model minus the same groups with it switched off):"]
    if "param_low" not in table:
        wide = table.pivot(index="mechanism", columns="outcome", values="contribution")
        widths = [max(10, len(_label(o))) + 2 for o in outcomes]
        first = max(len("mechanism"), *(len(mechanism_words(m)[0]) for m in mechanisms)) + 2
        lines.append(
            f"  {'mechanism':{first}s}"
            + "".join(f"{_label(o):>{w}s}" for o, w in zip(outcomes, widths, strict=True))
        )
        for mech in mechanisms:
            lines.append(
                f"  {mechanism_words(mech)[0]:{first}s}"
                + "".join(f"{wide.loc[mech, o]:+{w}.3f}" for o, w in zip(outcomes, widths, strict=True))
            )
        return "\n".join(lines)
    width = max(len(_label(o)) for o in outcomes)
    for mech in mechanisms:
        label, off = mechanism_words(mech)
        lines.append(f"  {label} (switched off: {off})")
        for r in table[table.mechanism == mech].itertuples():
            lines.append(
                f"    {_label(r.outcome):{width}s}  {r.contribution:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]"
                f"   {par_text(r._asdict(), '{:+.3f}')}"
            )
    return "\n".join(lines)
