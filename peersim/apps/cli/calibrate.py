"""`peersim calibrate STUDY.toml ...`: the posterior given studies' observations (rejection ABC
on a resumable reference table, with a regression adjustment)."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli import options
from peersim.apps.cli.options import UsageError

HELP = "calibrate parameters on the observations of one or more study files (rejection ABC)"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "studies", type=Path, nargs="+", help="study files (TOML); several are fitted jointly"
    )
    parser.add_argument(
        "--parameters",
        help="comma-separated parameters to infer (each with a prior in the evidence register);"
        " default: every parameter with a prior",
    )
    parser.add_argument(
        "--prior",
        choices=("register", "posterior"),
        default="register",
        help="register: the evidence register's priors; posterior: the shipped posterior's marginals"
        " where it has the parameter (a sequential update)",
    )
    parser.add_argument(
        "--simulations", type=int, default=5000, help="reference-table rows: prior draws (default 5000)"
    )
    parser.add_argument("--accept", type=int, default=250, help="posterior draws kept (default 250)")
    options.switch(
        parser,
        "--as-simulated",
        "ship the accepted rows as simulated, not regression-adjusted (each adjusted vector is"
        " simulated afresh by default)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="processes simulating the table (default 1; same result)"
    )
    parser.add_argument("--check-draws", type=int, default=200, help="predictive-check copies (default 200)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the posterior and checks")
    options.scenario_args(parser, runs=False)
    options.switch(parser, "--quiet", "no progress")


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from peersim.data.study import load_study
    from peersim.inference.calibration import calibrate, inferred, posterior_priors, predictive_check

    studies = [load_study(path) for path in args.studies]
    names = (
        inferred()
        if args.parameters is None
        else [n.strip() for n in args.parameters.split(",") if n.strip()]
    )
    if not names:
        raise UsageError("--parameters: name at least one parameter")
    for flag, value, low in (
        ("--simulations", args.simulations, 20),
        ("--accept", args.accept, 10),
        ("--workers", args.workers, 1),
        ("--check-draws", args.check_draws, 10),
    ):
        if value < low:
            raise UsageError(f"{flag} {value}: must be at least {low}")
    if args.accept >= args.simulations:
        raise UsageError(f"--accept {args.accept}: must be fewer than --simulations {args.simulations}")
    base = options.scenario(args)
    priors = None
    if args.prior == "posterior":
        from peersim.data.posterior import posterior as shipped

        priors = posterior_priors(shipped(), names)
        if not priors:
            raise UsageError("--prior posterior: the shipped posterior holds none of these parameters")
    args.out.mkdir(parents=True, exist_ok=True)
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(args.workers) if args.workers > 1 else None
    try:
        fit = calibrate(
            names,
            simulations=args.simulations,
            accept=args.accept,
            seed=args.seed,
            base=base,
            table_dir=args.out / "table",  # resumable: a rerun reuses every simulated chunk
            progress=not args.quiet,
            study=studies if len(studies) > 1 else studies[0],
            priors=priors,
            executor=pool,
            adjust=not args.as_simulated,
        )
    finally:
        if pool is not None:
            pool.shutdown()
    posterior, diagnostics = fit.posterior, fit.diagnostics
    # every parameter as simulated: the inferred ones per draw, the others as held
    held = {k: v for k, v in base.to_dict().items() if k not in posterior and not isinstance(v, list | dict)}
    full = pd.concat([posterior, pd.DataFrame(held, index=posterior.index)], axis=1)
    full.to_csv(args.out / "posterior.csv", index=False)  # shortest round trip: the vectors that ran
    fit.statistics.to_csv(args.out / "posterior_statistics.csv", index=False)
    fit.accepted.to_csv(args.out / "accepted.csv", index=False, float_format="%.6g")
    fit.summary.to_csv(args.out / "summary.csv", index=False, float_format="%.6g")
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
        f"Posterior of {len(names)} parameters given {', '.join(s.name for s in studies)}"
        f" ({args.prior} priors, {len(posterior)} draws):"
    )
    # what the data moved: a posterior sd (latent scale) at most 80% of the prior's
    narrowed = fit.summary[fit.summary.narrowing >= 0.2]
    if len(narrowed):
        print(f"  narrowed by the data (posterior sd at most 80% of the prior's): {len(narrowed)}")
        shown = narrowed
    else:
        print("  none narrowed by the data to 80% of its prior sd or less; the five most narrowed:")
        shown = fit.summary.head(5)
    for r in shown.itertuples():
        before = "" if args.as_simulated else f"; before adjustment {r.as_simulated_median:.4g}"
        print(
            f"  {r.parameter:32s} median {r.median:.4g} [95%: {r.low:.4g}, {r.high:.4g}]"
            f" (prior median {r.prior_median:.4g}{before})"
        )
    last = diagnostics.iloc[-1]
    print(
        f"  {last.accepted:.0f} of {last.simulations:.0f} simulations kept, distance at most"
        f" {last.threshold:.3g} standard errors, effective sample size {last.ess:.0f}"
    )
    print("Predictive check (each observation against new virtual copies of its study):")
    for r in check.itertuples():
        verdict = "consistent" if r.consistent else "NOT consistent"
        print(
            f"  {r.target:28s} observed {r.observed:.4g}, predicted {r.predictive_median:.4g}"
            f" [{r.predictive_low:.4g}, {r.predictive_high:.4g}]: {verdict}"
            + ("" if r.fitted else " (held out)")
        )
    print(
        f"Wrote {args.out / 'posterior.csv'} (every parameter of every draw), posterior_statistics.csv"
        " (each draw's own simulation), summary.csv, accepted.csv, diagnostics.csv, predictive_check.csv"
    )
    return 0
