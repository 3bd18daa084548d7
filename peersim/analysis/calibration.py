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

from ..engine import simulate
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
    base = simulate(params, runs=runs, seed=seed)
    part = base.participants
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
    covid = params.replace(covid_restrictions=True)
    groups = -(-n_per_arm // params.group_size)
    peer = simulate(covid, runs=groups, seed=seed).participants.head(n_per_arm)
    ctrl = simulate(
        covid.replace(control_arm=True), runs=groups, seed=seed, first_run=groups
    ).participants.head(n_per_arm)
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
    no_safety = simulate(
        params.replace(disabled_mechanisms=(*params.disabled_mechanisms, "safety")), runs=runs, seed=seed
    ).groups
    stats["safety_knockout_share_ratio"] = float(no_safety.share_rate.mean() / base.groups.share_rate.mean())
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
) -> pd.DataFrame:
    """Search ``space`` (name -> (low, high)) for the parameter set closest to all targets.

    Resumable: trials are kept in ``journal`` (an Optuna journal file); calling again with the same
    journal continues the study up to ``trials`` in all. Returns one row per trial: its values,
    its loss, whether every target was met, and each statistic.
    """
    import optuna

    base = base or Params()
    targets = targets or load_targets()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(journal)))
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(20, trials))
    study = optuna.create_study(study_name="peersim", storage=storage, sampler=sampler, load_if_exists=True)
    if not study.trials:  # start from the current defaults, so the search can only improve on them
        study.enqueue_trial({k: getattr(base, k) for k in space})

    def objective(trial) -> float:
        values = {k: trial.suggest_float(k, lo, hi) for k, (lo, hi) in space.items()}
        stats = evaluate(base.replace(**values), runs=runs, seed=seed)
        for k, v in stats.items():
            trial.set_user_attr(k, v)
        trial.set_user_attr("all_met", bool(check(stats, targets).met.all()))
        return distance(stats, targets)

    remaining = trials - len([t for t in study.trials if t.state.is_finished()])
    if remaining > 0:
        study.optimize(objective, n_trials=remaining, show_progress_bar=progress)
    rows = []
    for t in study.trials:
        if t.state != optuna.trial.TrialState.COMPLETE:
            continue
        rows.append({"trial": t.number, "loss": t.value, **t.params, **t.user_attrs})
    return pd.DataFrame(rows).sort_values("loss").reset_index(drop=True)
