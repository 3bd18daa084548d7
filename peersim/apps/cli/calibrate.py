"""`peersim calibrate STUDY.toml ...`: the posterior given studies' observations (ABC-SMC, ELFI)."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "calibrate parameters on the observations of one or more study files (ABC-SMC)"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "studies", type=Path, nargs="+", help="study files (TOML); several are fitted jointly"
    )
    parser.add_argument(
        "--parameters",
        required=True,
        help="comma-separated parameters to calibrate (each with a prior in the evidence register)",
    )
    parser.add_argument(
        "--prior",
        choices=("register", "posterior"),
        default="register",
        help="register: the evidence register's priors; posterior: the shipped posterior's marginals"
        " where it has the parameter (a sequential update)",
    )
    parser.add_argument("--particles", type=int, default=300, help="posterior draws (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="SMC rounds (default 3)")
    parser.add_argument("--batch", type=int, default=300, help="simulations per batch (default 300)")
    parser.add_argument("--check-draws", type=int, default=200, help="predictive-check copies (default 200)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the posterior and checks")
    options.scenario_args(parser, runs=False)
    options.switch(parser, "--quiet", "no progress")


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from peersim.data.study import load_study
    from peersim.inference.calibration import calibrate, posterior_priors, predictive_check

    studies = [load_study(path) for path in args.studies]
    names = [n.strip() for n in args.parameters.split(",") if n.strip()]
    if not names:
        raise UsageError("--parameters: name at least one parameter")
    for flag, value, low in (
        ("--particles", args.particles, 10),
        ("--rounds", args.rounds, 1),
        ("--batch", args.batch, 1),
        ("--check-draws", args.check_draws, 10),
    ):
        if value < low:
            raise UsageError(f"{flag} {value}: must be at least {low}")
    base = options.scenario(args)
    priors = None
    if args.prior == "posterior":
        from peersim.data.posterior import posterior as shipped

        priors = posterior_priors(shipped(), names)
        if not priors:
            raise UsageError("--prior posterior: the shipped posterior holds none of these parameters")
    args.out.mkdir(parents=True, exist_ok=True)
    posterior, diagnostics = calibrate(
        names,
        particles=args.particles,
        rounds=args.rounds,
        batch=args.batch,
        seed=args.seed,
        base=base,
        pool_dir=args.out / "batches",  # resumable: a rerun reuses every simulated batch
        progress=not args.quiet,
        study=studies if len(studies) > 1 else studies[0],
        priors=priors,
    )
    # every parameter as simulated: the calibrated ones per draw, the others as held
    held = {k: v for k, v in base.to_dict().items() if k not in posterior and not isinstance(v, list | dict)}
    full = pd.concat([posterior, pd.DataFrame(held, index=posterior.index)], axis=1)
    full.to_csv(args.out / "posterior.csv", index=False, float_format="%.6g")
    diagnostics.to_csv(args.out / "diagnostics.csv", index=False, float_format="%.6g")
    checks = []
    for study in studies:
        table, _ = predictive_check(
            posterior, draws=args.check_draws, seed=args.seed + 1, base=base, study=study
        )
        checks.append(table.assign(study=study.name))
    check = pd.concat(checks, ignore_index=True)
    check.to_csv(args.out / "predictive_check.csv", index=False, float_format="%.6g")
    print(
        f"Posterior of {', '.join(names)} given {', '.join(s.name for s in studies)}"
        f" ({args.prior} priors, {len(posterior)} draws):"
    )
    weights = posterior["weight"].to_numpy()
    for n in names:
        values = posterior[n].to_numpy(float)
        order = values.argsort()
        cdf = weights[order].cumsum()
        low, mid, high = (values[order][min(cdf.searchsorted(q), len(cdf) - 1)] for q in (0.025, 0.5, 0.975))
        print(f"  {n:32s} median {mid:.4g} [95%: {low:.4g}, {high:.4g}]")
    last = diagnostics.iloc[-1]
    print(f"  last round: threshold {last.threshold:.3g}, effective sample size {last.ess:.0f}")
    print("Predictive check (each observation against new virtual copies of its study):")
    for r in check.itertuples():
        verdict = "consistent" if r.consistent else "NOT consistent"
        print(
            f"  {r.target:28s} observed {r.observed:.4g}, predicted {r.predictive_median:.4g}"
            f" [{r.predictive_low:.4g}, {r.predictive_high:.4g}]: {verdict}"
            + ("" if r.fitted else " (held out)")
        )
    print(f"Wrote {args.out / 'posterior.csv'}, diagnostics.csv, predictive_check.csv")
    return 0
