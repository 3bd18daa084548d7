"""Pattern-oriented calibration: every target at once (Grimm et al. 2005, Science 310:987).

The targets (``peersim/data/targets.toml``) restate MODEL.md's patterns as numbers with tolerances.
``evaluate`` simulates a parameter set in the scenarios the targets need (the PEER course, the same
under COVID-19 restrictions with a virtual trial, and with safety knocked out; all with the same
seed, so the same people) and returns the statistics; ``check`` says which targets are met;
``calibrate`` searches the uncertain parameters with Optuna's TPE sampler (Akiba et al. 2019,
KDD) for the set closest to all targets, in a journal file so that an interrupted calibration
resumes where it stopped, and reports the accepted sets (all targets within tolerance).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..engine import simulate_sets
from ..params import Params
from .trial import effect, social_relations


def load_targets(path: str | Path | None = None) -> dict[str, dict]:
    text = (
        Path(path).read_text()
        if path
        else resources.files("peersim.data").joinpath("targets.toml").read_text()
    )
    targets = tomllib.loads(text)
    for name, t in targets.items():
        if t.get("kind") not in ("near", "at_least", "at_most") or "value" not in t:
            raise ValueError(f"target {name!r}: needs a value and kind near, at_least or at_most")
        if t["kind"] == "near" and "tolerance" not in t:
            raise ValueError(f"target {name!r}: a 'near' target needs a tolerance")
    return targets


def evaluate(params: Params, runs: int = 1500, seed: int = 0, n_per_arm: int = 1500) -> dict[str, float]:
    """The statistics the targets are about, for ``params`` (same seed: same people in every scenario)."""
    return (
        evaluate_sets(pd.DataFrame(index=[0]), params, runs=runs, seed=seed, n_per_arm=n_per_arm)
        .iloc[0]
        .to_dict()
    )


def evaluate_sets(
    sets: pd.DataFrame, base: Params | None = None, runs: int = 1500, seed: int = 0, n_per_arm: int = 1500
) -> pd.DataFrame:
    """The target statistics of every parameter set in ``sets`` (one row per set, columns named
    after parameters; others from ``base``), one row per set, index as given.

    Each set runs in the scenarios the targets need: the PEER course, the same under COVID-19
    restrictions as a virtual trial (PEER arm and control arm, ``n_per_arm`` participants each),
    and with safety knocked out; all with the same seed, so the same people. All sets go through
    ``simulate_sets`` together, so many sets with few runs each cost about what one set with as
    many runs in all would.
    """
    base = base or Params()
    sets = pd.DataFrame(sets)
    plain = simulate_sets(sets, replicates=runs, seed=seed, base=base)
    covid = sets.assign(covid_restrictions=True)
    groups = -(-n_per_arm // base.group_size)
    peer = simulate_sets(covid, replicates=groups, seed=seed, base=base).participants
    ctrl = simulate_sets(
        covid.assign(control_arm=True), replicates=groups, seed=seed, base=base, first_run=groups
    ).participants
    off = (*base.disabled_mechanisms, "safety")
    no_safety = simulate_sets(sets, replicates=runs, seed=seed, base=base.replace(disabled_mechanisms=off))
    rows = {}
    by = {
        name: dict(tuple(table.groupby("set", sort=False)))
        for name, table in (
            ("part", plain.participants),
            ("groups", plain.groups),
            ("peer", peer),
            ("ctrl", ctrl),
            ("no_safety", no_safety.groups),
        )
    }
    for label in sets.index:
        rows[label] = _statistics(*(by[name][label] for name in by), n_per_arm)
    return pd.DataFrame.from_dict(rows, orient="index")


def _statistics(part, groups, peer, ctrl, no_safety, n_per_arm: int) -> dict[str, float]:
    left = part[part.dropped_out]
    completers = part[~part.dropped_out].copy()
    completers["gain"] = completers.recovery_end - completers.recovery_baseline
    centred = completers[["connectedness_end", "gain"]] - completers.groupby("run")[
        ["connectedness_end", "gain"]
    ].transform("mean")
    stats = {
        "dropout_rate": float(part.dropped_out.mean()),
        "early_dropout_share": float((left.dropout_session <= 3).mean()) if len(left) else 1.0,
        "cohesion_outcome_r": float(centred.corr().iloc[0, 1]),
        "sprout_share_completers": float((completers.sprouts_end > 0).mean()),
    }
    peer, ctrl = peer.head(n_per_arm), ctrl.head(n_per_arm)
    peer = peer.assign(social_relations_end=social_relations(peer))
    ctrl = ctrl.assign(social_relations_end=social_relations(ctrl))
    qpr = effect(peer.qpr_end, ctrl.qpr_end)
    stats["trial_d_qpr"] = qpr["cohens_d"]
    stats["trial_difference_qpr"] = qpr["difference"]
    for outcome, name in (
        ("hope_end", "hope"),
        ("self_efficacy_end", "self_efficacy"),
        ("social_relations_end", "social_relations"),
    ):
        stats[f"trial_d_{name}"] = effect(peer[outcome], ctrl[outcome])["cohens_d"]
    stats["companionship_uptake_covid"] = float(peer[~peer.dropped_out].companionship.mean())
    stats["safety_knockout_share_ratio"] = float(no_safety.share_rate.mean() / groups.share_rate.mean())
    return stats


def _miss(value: float, target: Mapping) -> float:
    """How far outside its tolerance a value lies, in units of the target's scale (0 if met)."""
    kind, goal = target["kind"], target["value"]
    scale = target.get("scale", target.get("tolerance", 1.0))
    if kind == "near":
        return max(0.0, abs(value - goal) - target["tolerance"]) / scale
    if kind == "at_least":
        return max(0.0, goal - value) / scale
    return max(0.0, value - goal) / scale


def check(stats: Mapping[str, float], targets: Mapping[str, Mapping]) -> pd.DataFrame:
    rows = []
    for name, t in targets.items():
        value = stats[name]
        rows.append(
            {
                "target": name,
                "value": value,
                "goal": t["value"],
                "kind": t["kind"],
                "tolerance": t.get("tolerance", np.nan),
                "met": _miss(value, t) == 0.0,
                "source": t.get("source", ""),
            }
        )
    return pd.DataFrame(rows)


def distance(stats: Mapping[str, float], targets: Mapping[str, Mapping]) -> float:
    """Calibration loss: misses beyond tolerance weigh heavily; inside it, the distance to the
    centre of 'near' targets (in scale units, squared and small) breaks ties toward the middle."""
    loss = 0.0
    for name, t in targets.items():
        value = stats[name]
        miss = _miss(value, t)
        loss += 10.0 * miss**2
        if t["kind"] == "near":
            loss += 0.1 * ((value - t["value"]) / t.get("scale", t["tolerance"])) ** 2
    return float(loss)


def calibrate(
    space: Mapping[str, tuple[float, float]],
    trials: int,
    journal: str | Path,
    base: Params | None = None,
    runs: int = 1500,
    seed: int = 0,
    targets: Mapping[str, Mapping] | None = None,
    progress: bool = False,
    batch: int = 1,
) -> pd.DataFrame:
    """Search ``space`` (name -> (low, high)) for the parameter set closest to all targets.

    Resumable: trials are kept in ``journal`` (an Optuna journal file); calling again with the same
    journal continues the study up to ``trials`` in all. ``batch`` trials are asked at a time and
    simulated together (``evaluate_sets``); 1 is the sequential search (each trial sees every
    earlier one), which the committed calibration used. Returns one row per trial: its values, its
    loss, whether every target was met, and each statistic.
    """
    import optuna

    base = base or Params()
    targets = targets or load_targets()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(journal)))
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch = {batch!r} must be a whole number >= 1")
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(20, trials), constant_liar=batch > 1)
    study = optuna.create_study(study_name="peersim", storage=storage, sampler=sampler, load_if_exists=True)
    if not study.trials:  # start from the current defaults, so the search can only improve on them
        study.enqueue_trial({k: getattr(base, k) for k in space})

    finished = len([t for t in study.trials if t.state.is_finished()])
    bar = tqdm(total=trials, initial=finished, unit="trial", disable=not progress, leave=False)
    while finished < trials:
        # ask a batch, evaluate it in one go (simulate_sets), tell the results; batch = 1 is
        # Optuna's sequential search exactly
        asked = [study.ask() for _ in range(min(batch, trials - finished))]
        values = [{k: t.suggest_float(k, lo, hi) for k, (lo, hi) in space.items()} for t in asked]
        stats = evaluate_sets(pd.DataFrame(values), base, runs=runs, seed=seed)
        for trial, (_, row) in zip(asked, stats.iterrows(), strict=True):
            for k, v in row.items():
                trial.set_user_attr(k, float(v))
            trial.set_user_attr("all_met", bool(check(row, targets).met.all()))
            study.tell(trial, distance(row, targets))
        finished += len(asked)
        bar.update(len(asked))
    bar.close()
    rows = []
    for t in study.trials:
        if t.state != optuna.trial.TrialState.COMPLETE:
            continue
        rows.append({"trial": t.number, "loss": t.value, **t.params, **t.user_attrs})
    return pd.DataFrame(rows).sort_values("loss").reset_index(drop=True)
