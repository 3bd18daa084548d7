"""`peersim power STUDY.toml --outcome qpr`: power (or assurance) of a study design across sizes."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "power (or assurance, over the posterior) of a study design across sizes"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", type=Path, help="a study file (TOML), e.g. studies/peer_trial.toml")
    parser.add_argument("--outcome", default="qpr", help="qpr, hope, self_efficacy, ... (default qpr)")
    parser.add_argument(
        "--sizes", default=None, help="comma-separated people per arm (default: half to twice the study's)"
    )
    options.switch(parser, "--groups", "sizes are groups per arm, not people")
    parser.add_argument("--trials", type=int, default=200, help="virtual copies per size (default 200)")
    parser.add_argument("--target", type=float, default=0.8, help="power sought (default 0.8)")
    parser.add_argument("--out", type=Path, default=None, help="folder for power.csv and power.png")
    options.uncertainty_arg(parser)
    options.scenario_args(parser, runs=False)


def run(args: argparse.Namespace) -> int:
    from peersim.data.study import load_study
    from peersim.inference.power import power_curve, smallest, warnings_for

    study = load_study(args.study)
    if args.sizes is None:
        n = study.compared[0].groups if args.groups else study.compared[0].people
        sizes = sorted({max(2, round(n * f)) for f in (0.5, 0.75, 1.0, 1.5, 2.0)})
    else:
        try:
            sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        except ValueError:
            raise UsageError(f"--sizes {args.sizes}: comma-separated whole numbers") from None
    if not 0 < args.target < 1:
        raise UsageError(f"--target {args.target}: must lie between 0 and 1")
    curve = power_curve(
        study,
        args.outcome,
        sizes,
        trials=args.trials,
        seed=args.seed,
        base=options.scenario(args),
        groups=args.groups,
        uncertainty=args.uncertainty,
    )
    what = "Assurance (power averaged over the posterior)" if args.uncertainty == "posterior" else "Power"
    unit = "groups" if args.groups else "people"
    print(
        f"{what} of {study.name} for {args.outcome}, {study.analysis}, p < 0.05 two-sided, {args.trials}"
        f" copies per size (95% Monte Carlo intervals):"
    )
    for r in curve.itertuples():
        print(
            f"  {r.size:5d} {unit} per arm ({r.people_per_arm} people, {r.groups_per_arm} groups):"
            f" {r.power:.0%} [{r.low:.0%}, {r.high:.0%}];"
            f" d {r.d_mean:+.2f} [{r.d_p2_5:+.2f}, {r.d_p97_5:+.2f}]"
        )
    best = smallest(curve, args.target)
    if best is None:
        print(f"  no size tried reaches {args.target:.0%}")
    else:
        sure = "" if best["sure"] else " (its Monte Carlo interval still reaches below it: run more --trials)"
        print(f"  smallest size reaching {args.target:.0%}: {best['size']} {unit} per arm{sure}")
    for line in warnings_for(curve, args.outcome):
        print(f"warning: {line}")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        curve.to_csv(args.out / "power.csv", index=False, float_format="%.6g")
        from matplotlib.figure import Figure

        from peersim.report.figures import save_figure

        fig = Figure(figsize=(6, 4))
        ax = fig.subplots()
        ax.plot(curve["size"], curve.power, marker="o")
        ax.fill_between(curve["size"], curve.low, curve.high, alpha=0.25, label="95% Monte Carlo interval")
        ax.axhline(args.target, color="grey", linestyle="--", linewidth=1)
        ax.set(
            xlabel=f"{unit} per arm",
            ylabel=what.split(" (")[0].lower(),
            ylim=(0, 1),
            title=f"{study.name}: {args.outcome}",
        )
        ax.legend(loc="lower right")
        save_figure(fig, args.out / "power.png")
        print(f"Wrote {args.out / 'power.csv'}, {args.out / 'power.png'}")
    return 0
