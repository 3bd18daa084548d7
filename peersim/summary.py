"""Summaries of a simulation: dropout by session, outcome changes, mechanism activation.

Each returns a small DataFrame (what the CLI prints and writes as CSV); intervals are normal
approximations over participants (means) or Wilson intervals (shares).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .results import Results
from .state import CHANNELS

OUTCOMES = ("hope", "self_image", "self_efficacy", "meaning", "loneliness", "recovery", "qpr")
_Z = 1.959963984540054


def wilson(successes: float, n: float) -> tuple[float, float]:
    """95% Wilson score interval for a share."""
    if n == 0:
        return (np.nan, np.nan)
    p = successes / n
    denom = 1 + _Z**2 / n
    centre = (p + _Z**2 / (2 * n)) / denom
    half = _Z * np.sqrt(p * (1 - p) / n + _Z**2 / (4 * n**2)) / denom
    return (centre - half, centre + half)


def mean_ci(values: pd.Series) -> tuple[float, float, float]:
    values = values.dropna()
    n = len(values)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(values.mean())
    half = _Z * float(values.std(ddof=1)) / np.sqrt(n) if n > 1 else np.nan
    return (mean, mean - half, mean + half)


def dropout_by_session(res: Results) -> pd.DataFrame:
    """Share of all participants who left after each session, with 95% intervals."""
    part = res.participants
    n = len(part)
    counts = part["dropout_session"].value_counts().sort_index()
    rows = []
    for session in range(1, res.params.n_sessions):
        k = int(counts.get(session, 0))
        lo, hi = wilson(k, n)
        rows.append({"session": session, "left": k, "share": k / n, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def outcome_changes(res: Results) -> pd.DataFrame:
    """Mean change from baseline to end of course, for completers and for those who left."""
    part = res.participants
    rows = []
    for group_name, mask in (("completers", ~part["dropped_out"]), ("left early", part["dropped_out"])):
        sub = part[mask]
        for outcome in OUTCOMES:
            mean, lo, hi = mean_ci(sub[f"{outcome}_end"] - sub[f"{outcome}_baseline"])
            rows.append(
                {
                    "group": group_name,
                    "n": len(sub),
                    "outcome": outcome,
                    "change": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    return pd.DataFrame(rows)


def mechanism_activation(res: Results) -> pd.DataFrame:
    """For each activation channel: share of participants for whom it fired, and mean weeks."""
    part = res.participants
    rows = []
    for name in CHANNELS:
        weeks = part[f"mech_{name}_sessions"]
        k = int((weeks > 0).sum())
        lo, hi = wilson(k, len(part))
        rows.append(
            {
                "mechanism": name,
                "share_fired": k / len(part),
                "ci_low": lo,
                "ci_high": hi,
                "mean_weeks": float(weeks.mean()),
            }
        )
    return pd.DataFrame(rows)


def headline(res: Results) -> dict[str, float]:
    """A handful of numbers that characterise a scenario (also the pinned baseline)."""
    part, groups = res.participants, res.groups
    completers = part[~part["dropped_out"]]
    return {
        "dropout_rate": float(part["dropped_out"].mean()),
        "dropout_by_session_3": float(part["dropout_session"].le(3).fillna(False).mean()),
        "hope_change_completers": float((completers["hope_end"] - completers["hope_baseline"]).mean()),
        "self_image_change_completers": float(
            (completers["self_image_end"] - completers["self_image_baseline"]).mean()
        ),
        "recovery_change_all": float((part["recovery_end"] - part["recovery_baseline"]).mean()),
        "qpr_change_all": float((part["qpr_end"] - part["qpr_baseline"]).mean()),
        "share_rate": float(groups["share_rate"].mean()),
        "sprout_share_completers": float((completers["sprouts_end"] > 0).mean()),
        "realised_end_completers": float(completers["realised_changes_end"].mean()),
        "realised_followup_completers": float(completers["realised_changes_followup"].mean()),
        "companionship_uptake_completers": float(completers["companionship"].mean()),
        "bridging_followup": float(part["bridging_followup"].mean()),
        "cohesion_end": float(groups["cohesion_end"].mean()),
    }


EFFECT_OUTCOMES = ("qpr", "recovery", "hope", "self_efficacy", "self_image", "loneliness")


def effect_vs_control(res: Results, control: Results) -> pd.DataFrame:
    """End-of-course difference, PEER arm minus control arm (same people, same draws), for every
    participant (intention to treat): mean difference with a 95% interval over groups, and
    Cohen's d on the end values (pooled SD), as a trial would report it."""
    a, b = res.participants, control.participants
    rows = []
    for outcome in (*EFFECT_OUTCOMES, "bridging_followup"):
        col = outcome if outcome.endswith("_followup") else f"{outcome}_end"
        diff = (a[col] - b[col]).groupby(a["run"]).mean()
        mean = float(diff.mean())
        half = _Z * float(diff.std(ddof=1)) / np.sqrt(len(diff)) if len(diff) > 1 else np.nan
        pooled = np.sqrt((a[col].var() + b[col].var()) / 2)
        row = {
            "outcome": col,
            "peer": float(a[col].mean()),
            "control": float(b[col].mean()),
            "difference": mean,
            "ci_low": mean - half,
            "ci_high": mean + half,
            "cohens_d": mean / pooled if pooled > 0 else np.nan,
        }
        if "draw" in a:  # posterior draws: parameter uncertainty apart from Monte Carlo error
            from .analysis.uncertainty import split

            parts = split(diff, a.groupby("run")["draw"].first().loc[diff.index])
            row.update(param_low=parts["param_low"], param_high=parts["param_high"])
        rows.append(row)
    return pd.DataFrame(rows)


def changed_parameters(params) -> list[str]:
    """``name=value`` for every parameter that differs from its default (the session plan aside)."""
    from .params import Params

    defaults = Params().to_dict()
    return [f"{k}={v}" for k, v in params.to_dict().items() if k != "session_plan" and v != defaults[k]]


def _exploratory_note(params) -> list[str]:
    from .analysis.uncertainty import exploratory
    from .params import Params

    default = Params()
    changed = [
        k
        for k in params.__dataclass_fields__
        if k != "session_plan" and getattr(params, k) != getattr(default, k)
    ]
    weak = exploratory(changed)
    if not weak:
        return []
    return [
        "EXPLORATORY: this scenario's changes act through parameters graded 'assumption' in the"
        f" evidence register ({', '.join(weak)}); read its effects as what-ifs, not findings"
    ]


def report(res: Results, control: Results | None = None) -> str:
    """The readable summary the CLI prints (with the effect against ``control`` if given)."""
    p, part = res.params, res.participants
    lines = [
        f"peersim: {res.runs:,} courses, seed {res.seed}, {len(part):,} participants",
        f"Context: {p.setting.replace('_', ' ')}, {p.facilitator_role} facilitators (skill"
        f" {p.facilitator_skill:.2f}), {p.group_size} per group, {p.n_sessions} sessions,"
        f" {p.follow_up_weeks} follow-up weeks, "
        + ("COVID-19 restrictions" if p.covid_restrictions else "no COVID-19 restrictions")
        + (", CONTROL ARM (no group)" if p.control_arm else "")
        + (f", switched off: {', '.join(p.disabled_mechanisms)}" if p.disabled_mechanisms else ""),
        *(
            ["Changed from the defaults: " + ", ".join(changed_parameters(p))]
            if changed_parameters(p)
            else []
        ),
        *_exploratory_note(p),
        *(
            [
                f"Parameter uncertainty: each run takes one of {part['draw'].nunique():,} posterior draws"
                " (peersim.posterior()); intervals below are Monte Carlo error [MC] and, apart,"
                " parameter uncertainty {par}"
            ]
            if "draw" in part
            else []
        ),
        "",
    ]
    n_left = int(part["dropped_out"].sum())
    lo, hi = wilson(n_left, len(part))
    if p.control_arm:
        lines.append("Dropout: none (the control arm has no group to leave)")
    else:
        lines.append(f"Dropout: {n_left / len(part):.1%} of participants (95% CI {lo:.1%} to {hi:.1%})")
        by_session = dropout_by_session(res)
        lines.append(
            "  left after session: "
            + "  ".join(f"{int(r.session)}: {r.share:.1%}" for r in by_session.itertuples())
        )
    if control is not None:
        lines += [
            "",
            "Effect against service as usual (control arm: the same people and draws, no group),",
            "end of course, everyone (intention to treat); PEER trial: QPR-15 +5.1 [2.4, 7.8], d = 0.43",
        ]
        for r in effect_vs_control(res, control).itertuples():
            label = "QPR-15 (0-60)" if r.outcome == "qpr_end" else r.outcome.replace("_end", "")
            digits = 1 if r.outcome == "qpr_end" else 3
            line = (
                f"  {label:17s} {r.peer:7.{digits}f} vs {r.control:7.{digits}f}   difference"
                f" {r.difference:+.{digits}f} [{r.ci_low:+.{digits}f}, {r.ci_high:+.{digits}f}]"
                f"   d = {r.cohens_d:+.2f}"
            )
            if hasattr(r, "param_low"):
                line += f"   {{par {r.param_low:+.{digits}f}, {r.param_high:+.{digits}f}}}"
            lines.append(line)
    lines += ["", "Change from baseline to end of course within the PEER arm, mean [95% CI]"]
    changes = outcome_changes(res)
    changes = changes[changes["n"] > 0]
    groups = list(dict.fromkeys(changes["group"]))
    ns = {g: int(changes.loc[changes["group"] == g, "n"].iloc[0]) for g in groups}
    header = f"  {'':15s}" + "".join(f"{g + f' (n={ns[g]:,})':>32s}" for g in groups)
    lines.append(header)
    for outcome in OUTCOMES:
        cells = []
        for g in groups:
            r = changes[(changes["group"] == g) & (changes["outcome"] == outcome)].iloc[0]
            digits = 1 if outcome == "qpr" else 3
            cells.append(f"{r.change:+.{digits}f} [{r.ci_low:+.{digits}f}, {r.ci_high:+.{digits}f}]")
        label = "QPR-15 (0-60)" if outcome == "qpr" else outcome.replace("_", "-")
        if outcome == "loneliness":
            label = "loneliness (-)"
        lines.append(f"  {label:15s}" + "".join(f"{c:>32s}" for c in cells))
    lines.append(
        "  (completers and leavers are not comparable groups: who leaves is selected. Intervals show"
        " how precisely the simulation knows each mean, not a trial's uncertainty.)"
    )
    h = headline(res)
    lines += [
        "",
        f"Sprouts: {h['sprout_share_completers']:.0%} of completers have at least one at the end of the"
        f" course; realised changes per completer {h['realised_end_completers']:.2f} at the end,"
        f" {h['realised_followup_completers']:.2f} after {p.follow_up_weeks} follow-up weeks",
        f"Companionship: {h['companionship_uptake_completers']:.0%} of completers took it up;"
        f" bridging at follow-up {h['bridging_followup']:.3f} (0-1)",
        "",
        "Mechanism activation: share of participants for whom it fired at least once; mean weeks it",
        "fired per participant (course sessions; sprouts and companionship also fire in follow-up weeks)",
    ]
    for r in mechanism_activation(res).itertuples():
        lines.append(f"  {r.mechanism:16s} {r.share_fired:7.1%}   {r.mean_weeks:5.2f}")
    return "\n".join(lines)
