"""`peersim sensitivity`: global sensitivity (Sobol or Morris) from a spec, run as a sweep."""

from __future__ import annotations

import argparse
from pathlib import Path

from peersim.apps.cli.options import UsageError
from peersim.apps.cli.sweep import check_spec_out, run_spec, sweep_args

HELP = "global sensitivity (Sobol or Morris) from a spec"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="a spec whose design kind is saltelli or morris")
    sweep_args(parser)


def run(args: argparse.Namespace) -> int:
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
        check_spec_out(spec, args)
    code = run_spec(spec, args)
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
