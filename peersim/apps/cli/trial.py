"""`peersim trial`: a virtual trial, PEER against service as usual."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "a virtual trial of a study (default the PEER trial as run): PEER against its control arm"


def add(parser: argparse.ArgumentParser) -> None:
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
        help="participants in every group arm (default: the study's; PEER trial 145)",
    )
    parser.add_argument(
        "--n-control",
        type=int,
        default=None,
        help="participants in every control arm (default: the study's; PEER trial 151)",
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
    if args.uncertainty == "posterior":
        print("\n" + format_parameter_uncertainty(result.table))
    if args.out:
        result.table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"\nWrote {args.out}")
    return 0


def format_parameter_uncertainty(table) -> str:
    """Beside a posterior-mode trial's percentiles (which mix which people came with what we do not
    know of the parameters), the two apart for its first analysis: the mean over trials with its
    Monte Carlo interval [..] and the parameter interval {par ..} of the difference and of d."""
    import numpy as np

    from peersim.report.summary import BASELINE_RULE, difference_range, par_text
    from peersim.stats.effects import Z95
    from peersim.stats.uncertainty import clip, param_interval_from_noise
    from peersim.studies.trial import TRIAL_OUTCOMES

    trials = table.trial.nunique()
    analysis = table.analysis.iloc[0]
    lines = [
        f"Parameter uncertainty ({trials} trials, each under one posterior draw), {analysis}: mean over"
        " trials [95% Monte Carlo interval] and {par ..}: the spread the parameters alone give a"
        " trial's result (its own sampling error taken out), 2.5th to 97.5th percentile ±e"
    ]
    if trials < 3:
        lines.append("  (run --trials 3 or more, better 200, to see it)")
    for (arm, outcome), sub in table[table.analysis == analysis].groupby(["arm", "outcome"], sort=False):
        digits = 1 if outcome == "qpr_end" else 3
        cells = []
        for value, low, high, bounds in (
            ("difference", "diff_low", "diff_high", difference_range(outcome)),
            ("cohens_d", "d_low", "d_high", (-np.inf, np.inf)),
        ):
            v = sub[value].to_numpy(float)
            noise = (sub[high] - sub[low]).to_numpy(float) / (2 * Z95)
            mean, se = float(np.nanmean(v)), float(np.nanstd(v, ddof=1) / np.sqrt(np.isfinite(v).sum()))
            mc_low, mc_high = clip(mean - Z95 * se, mean + Z95 * se, bounds)
            fmt = f"{{:+.{digits if value == 'difference' else 2}f}}"
            par = param_interval_from_noise(v, noise)
            name = "difference" if value == "difference" else "d"
            mc = f"[{fmt.format(mc_low)}, {fmt.format(mc_high)}]"
            cells.append(f"{name} {fmt.format(mean)} {mc} {par_text(par, fmt)}")
        label = TRIAL_OUTCOMES.get(outcome, outcome)
        lines.append(f"  {arm}: {label:40s} " + "   ".join(cells))
    lines.append(BASELINE_RULE + "; these are posterior numbers")
    return "\n".join(lines)
