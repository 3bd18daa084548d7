"""Study statistics against the engine: courses per second of one virtual PEER trial per parameter
set (peersim.inference.calibration.statistics: simulate every arm, measure, the mixed model, every
target's statistic) against the engine alone on the same courses (simulate_courses). Target:
study statistics at >= 0.8x the engine's course rate.

python benchmarks/bench_study.py [--sets 300] [--rounds 3]
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from _common import options

from peersim.core.sets import ParamSets
from peersim.data.study import peer_trial
from peersim.inference.calibration import statistics
from peersim.run.engine import simulate_courses
from peersim.studies.virtual import arm_first_run, covid_by_group


def main() -> None:
    args = options(__doc__, sets=300, rounds=3)
    study = peer_trial()
    sets = pd.DataFrame({"facilitator_skill": np.linspace(0.4, 0.9, args.sets)})
    courses = args.sets * sum(a.groups for a in study.arms)
    statistics(sets.head(5), seed=1)  # warm up imports and caches
    engine, study_time = [], []
    for r in range(args.rounds):  # interleaved, so both meet the same machine load
        start = time.perf_counter()
        for j, arm in enumerate(study.arms):
            params = study.params(arm)
            doubled = sets.loc[sets.index.repeat(2)].reset_index(drop=True)
            doubled["covid_restrictions"] = np.tile([False, True], len(sets))
            copy = np.repeat(np.arange(len(sets)), arm.groups)
            group = np.tile(np.arange(arm.groups), len(sets))
            covid = covid_by_group(arm.groups, study, params)
            runs = arm_first_run(study, j) + (r * len(sets) + copy) * arm.groups + group
            for s in range(0, len(runs), 4096):
                part = slice(s, s + 4096)
                simulate_courses(ParamSets(doubled, params), (2 * copy + covid[group])[part], runs[part], 1)
        engine.append(time.perf_counter() - start)
        start = time.perf_counter()
        statistics(sets, seed=1, trials=r * len(sets) + np.arange(len(sets)))
        study_time.append(time.perf_counter() - start)
    e, s = np.median(engine), np.median(study_time)
    print(f"{args.sets} virtual PEER trials ({courses:,} courses), median of {args.rounds} rounds:")
    print(f"  engine alone       {e:6.2f} s  {courses / e:8,.0f} courses/s")
    print(f"  study statistics   {s:6.2f} s  {courses / s:8,.0f} courses/s")
    print(f"  ratio (study / engine rate): {e / s:.2f}x (target >= 0.8x)")


if __name__ == "__main__":
    main()
