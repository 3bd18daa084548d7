"""`peersim trial`: a virtual trial, PEER against service as usual."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "a virtual trial of a study (default the PEER trial as run): PEER against its control arm"


def add(parser: argparse.ArgumentParser) -> None:
    from peersim.data.study import peer_trial

    as_run = peer_trial()  # the PEER trial's arm sizes, as its study file gives them
    n_peer, n_control = as_run.compared[0].people, as_run.reference.people
    parser.add_argument(
        "study",
        nargs="?",
        type=Path,
        default=None,
        help="a study file (TOML; default studies/peer_trial.toml, the PEER trial as run)",
    )
    options.scenario_args(parser, runs=False)
    parser.add_argument(
        "--n-peer",
        type=int,
        default=None,
        help=f"participants in every group arm (default: the study's; PEER trial {n_peer})",
    )
    parser.add_argument(
        "--n-control",
        type=int,
        default=None,
        help=f"participants in every control arm (default: the study's; PEER trial {n_control})",
    )
    parser.add_argument(
        "--n-per-arm",
        type=int,
        default=None,
        help="shorthand: this many in each arm (not with --n-peer/--n-control)",
    )
    parser.add_argument("--trials", type=int, default=1, help="number of hypothetical trials (default 1)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as CSV")
    options.population_arg(parser)
    options.uncertainty_arg(parser)
    options.switch(parser, "--quiet", "no progress")


def run(args: argparse.Namespace) -> int:
    from peersim.data.study import as_study
    from peersim.studies.trial import format_trial, trial

    if args.n_per_arm is not None and (args.n_peer is not None or args.n_control is not None):
        raise UsageError("--n-per-arm sets both arms: give it, or --n-peer and --n-control, not both")
    n_peer = args.n_per_arm if args.n_per_arm is not None else args.n_peer
    n_control = args.n_per_arm if args.n_per_arm is not None else args.n_control
    for flag, value in (("--n-peer", n_peer), ("--n-control", n_control)):
        if value is not None and value < 2:
            flag = "--n-per-arm" if args.n_per_arm is not None else flag
            raise UsageError(f"{flag} {value}: must be at least 2")
    if args.trials < 1:
        raise UsageError(f"--trials {args.trials}: must be at least 1")
    population, params = options.population(args, options.scenario(args))
    from peersim.run.limits import check_run

    study = as_study(args.study).resized(peer=n_peer, control=n_control)
    if population is not None:
        study = study.regrouped(params.group_size)
    # each trial runs every arm's groups (blocks)
    check_run(
        study.params(base=params),
        args.trials * sum(a.groups for a in study.arms),
        control=False,
        streamed=False,
    )
    result = trial(
        params,
        seed=args.seed,
        trials=args.trials,
        uncertainty=args.uncertainty,
        population=population,
        progress=not args.quiet,
        study=study,
    )
    print(format_trial(result))
    from peersim.report.summary import changed_names
    from peersim.stats.uncertainty import exploratory_line

    if line := exploratory_line(changed_names(params), "this trial's scenario changes"):
        print("\n" + line)
    if args.uncertainty == "posterior":
        print("\n" + format_parameter_uncertainty(result.table))
    if args.out:
        result.table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"\nWrote {args.out}")
        if args.uncertainty == "posterior" and not (parts := parameter_uncertainty(result.table)).empty:
            path = args.out.with_name(f"{args.out.stem}_parameter_uncertainty.csv")
            parts.to_csv(path, index=False, float_format="%.6g")
            print(f"Wrote {path}")
    return 0


def parameter_uncertainty(table):
    """For a posterior-mode trial's first analysis, the two parts of uncertainty apart (the
    across-trials percentiles mix which people came with what we do not know of the parameters):
    per arm, outcome and statistic (the difference, Cohen's d), the mean over trials with its 95%
    Monte Carlo interval and the parameter interval, each trial's own sampling error taken out
    (``peersim.stats.uncertainty.param_interval_from_noise``)."""
    import numpy as np
    import pandas as pd

    from peersim.report.summary import difference_range
    from peersim.stats.effects import Z95
    from peersim.stats.uncertainty import clip, param_interval_from_noise

    analysis = table.analysis.iloc[0]
    rows = []
    for (arm, outcome), sub in table[table.analysis == analysis].groupby(["arm", "outcome"], sort=False):
        for statistic, low, high, bounds in (
            ("difference", "diff_low", "diff_high", difference_range(outcome)),
            ("cohens_d", "d_low", "d_high", (-np.inf, np.inf)),
        ):
            v = sub[statistic].to_numpy(float)
            v = v[np.isfinite(v)]
            if len(v) < 3:
                continue
            noise = (sub[high] - sub[low]).to_numpy(float) / (2 * Z95)
            mean, se = float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v)))
            mc_low, mc_high = clip(mean - Z95 * se, mean + Z95 * se, bounds)
            rows.append(
                {
                    "arm": arm,
                    "analysis": analysis,
                    "outcome": outcome,
                    "statistic": statistic,
                    "mean": mean,
                    "mc_low": mc_low,
                    "mc_high": mc_high,
                    **param_interval_from_noise(sub[statistic].to_numpy(float), noise),
                }
            )
    return pd.DataFrame(rows)


def format_parameter_uncertainty(table) -> str:
    """``parameter_uncertainty`` as text: [Monte Carlo interval] and {par ..} side by side."""
    from peersim.report.summary import BASELINE_RULE, par_text
    from peersim.studies.trial import TRIAL_OUTCOMES

    trials = table.trial.nunique()
    parts = parameter_uncertainty(table)
    lines = [
        f"Parameter uncertainty ({trials} trials, each under one posterior draw), {table.analysis.iloc[0]}:"
        " mean over trials [95% Monte Carlo interval] and {par ..}: the spread the parameters alone"
        " give a trial's result (its own sampling error taken out), 2.5th to 97.5th percentile ±e"
    ]
    if parts.empty:
        lines.append("  (run --trials 3 or more, better 200, to see it)")
        return "\n".join(lines)
    for (arm, outcome), sub in parts.groupby(["arm", "outcome"], sort=False):
        digits = 1 if outcome == "qpr_end" else 3
        cells = []
        for r in sub.to_dict("records"):
            fmt = f"{{:+.{digits if r['statistic'] == 'difference' else 2}f}}"
            name = "difference" if r["statistic"] == "difference" else "d"
            mc = f"[{fmt.format(r['mc_low'])}, {fmt.format(r['mc_high'])}]"
            cells.append(f"{name} {fmt.format(r['mean'])} {mc} {par_text(r, fmt)}")
        lines.append(f"  {arm}: {TRIAL_OUTCOMES.get(outcome, outcome):40s} " + "   ".join(cells))
    lines.append(BASELINE_RULE + "; these are posterior numbers")
    return "\n".join(lines)
