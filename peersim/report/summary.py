"""Summaries of a simulation: dropout by session, outcome changes, mechanism activation.

Each returns a small DataFrame (what the CLI prints and writes as CSV); intervals are normal
approximations over participants (means) or Wilson intervals (shares).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peersim.core.plan import plan_change
from peersim.core.state import CHANNELS
from peersim.core.tables import Results
from peersim.stats.effects import Z95 as _Z
from peersim.stats.effects import cohens_d, pooled_sd, wilson
from peersim.stats.effects import mean_ci as mean_ci  # re-exported: summary.mean_ci stays importable
from peersim.stats.uncertainty import DrawMoments, clip
from peersim.stats.uncertainty import difference_range as difference_range  # re-exported
from peersim.stats.uncertainty import outcome_range as outcome_range  # re-exported

#: Where each headline number can lie (states are 0-1, QPR-15 is 0-60, realised changes are
#: counts): every interval printed or saved is kept inside it (tests/test_uncertainty.py).
SHARE = (0.0, 1.0)
HEADLINE_RANGE = {
    "dropout_rate": SHARE,
    "dropout_by_session_3": SHARE,
    "hope_change_completers": (-1.0, 1.0),
    "self_image_change_completers": (-1.0, 1.0),
    "recovery_change_all": (-1.0, 1.0),
    "qpr_change_all": (-60.0, 60.0),
    "share_rate": SHARE,
    "sprout_share_completers": SHARE,
    "realised_end_completers": (0.0, np.inf),
    "realised_followup_completers": (0.0, np.inf),
    "companionship_uptake_completers": SHARE,
    "bridging_followup": SHARE,
    "cohesion_end": SHARE,
}


#: Which number to quote, said with it: one rule for the defaults and the posterior.
BASELINE_RULE = (
    "Which to quote: as the model's prediction, the posterior numbers (--uncertainty posterior) with"
    " both intervals; numbers at the defaults are one parameter set, for contrasts between"
    " scenarios run at them (the same people), not a prediction"
)

OUTCOMES = ("hope", "self_image", "self_efficacy", "meaning", "loneliness", "recovery", "qpr")


class Moments:
    """Count, mean and sum of squared deviations of a stream of values (NaN skipped), merged block
    by block (Chan, Golub & LeVeque 1983), so means and intervals need no more than a block."""

    def __init__(self) -> None:
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, values) -> None:
        # each block's mean and spread as pandas computes them (in the column's own precision), so
        # that a single block gives exactly what Series.mean() and .std() give
        x = values if isinstance(values, pd.Series) else pd.Series(values)
        x = x.dropna()
        if not len(x):
            return
        n_b, mean_b = len(x), float(x.mean())
        m2_b = float(x.std(ddof=1)) ** 2 * (n_b - 1) if n_b > 1 else 0.0
        if self.n == 0:
            self.n, self.mean, self.m2 = n_b, mean_b, m2_b
            return
        n = self.n + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / n
        self.m2 += m2_b + delta**2 * self.n * n_b / n
        self.n = n

    @property
    def value(self) -> float:
        return self.mean if self.n else np.nan

    @property
    def var(self) -> float:
        return self.m2 / (self.n - 1) if self.n > 1 else np.nan

    def ci(self) -> tuple[float, float, float]:
        """Mean and its 95% normal interval, as :func:`mean_ci`."""
        if self.n == 0:
            return (np.nan, np.nan, np.nan)
        half = _Z * np.sqrt(self.var) / np.sqrt(self.n) if self.n > 1 else np.nan
        return (self.mean, self.mean - half, self.mean + half)


class Summary:
    """The summaries of a simulation (the CLI's report, its CSV tables and the headline), gathered
    block by block: ``add(results[, control])`` for each block of runs, in any size, and the
    tables are those of the whole. Memory stays bounded however many runs: only counts, sums and
    per-draw moments are kept (``peersim run`` streams large runs this way).

    ``Summary.of(res, control)`` summarises one Results; the module's functions
    (``dropout_by_session(res)``, ``headline(res)``...) are shorthands for it."""

    def __init__(self, params, seed: int) -> None:
        self.params, self.seed = params, seed
        self.runs = self.n = 0
        self.n_left = 0
        self.left_after: dict[int, int] = {}
        self.left_by_3 = 0
        self.changes = {group: {o: Moments() for o in OUTCOMES} for group in ("completers", "left early")}
        self.group_n = {"completers": 0, "left early": 0}
        self.fired = {name: 0 for name in CHANNELS}
        self.weeks = {name: Moments() for name in CHANNELS}
        self.means: dict[str, Moments] = {}
        # one value per run (group) of each headline number, by posterior draw (draw 0 for every
        # run without draws): the run is the unit of the intervals, and the draws' means give the
        # parameter interval
        self.per_run: dict[str, DrawMoments] = {}
        self.draws: set = set()
        self.has_control = False
        self.effects: dict[str, dict] = {}

    @classmethod
    def of(cls, res: Results, control: Results | None = None) -> Summary:
        summary = cls(res.params, res.seed)
        summary.add(res, control)
        return summary

    def _mean(self, name: str, values) -> None:
        self.means.setdefault(name, Moments()).add(values)

    def add(self, res: Results, control: Results | None = None) -> None:
        """Add a block of runs (and the same runs in the control arm)."""
        part, groups = res.participants, res.groups
        self.runs += res.runs
        self.n += len(part)
        dropped = part["dropped_out"].to_numpy(bool)
        self.n_left += int(dropped.sum())
        session = part["dropout_session"]
        for value, count in session.value_counts().items():
            self.left_after[int(value)] = self.left_after.get(int(value), 0) + int(count)
        self.left_by_3 += int(session.le(3).fillna(False).sum())
        for group, mask in (("completers", ~dropped), ("left early", dropped)):
            sub = part[mask]
            self.group_n[group] += len(sub)
            for outcome in OUTCOMES:  # the difference in the table's own precision, as pandas does
                self.changes[group][outcome].add(sub[f"{outcome}_end"] - sub[f"{outcome}_baseline"])
        for name in CHANNELS:
            weeks = part[f"mech_{name}_sessions"]
            self.fired[name] += int((weeks > 0).sum())
            self.weeks[name].add(weeks)
        completers = part[~dropped]
        self._mean("dropout_rate", dropped)
        for name in ("hope", "self_image"):
            self._mean(
                f"{name}_change_completers", completers[f"{name}_end"] - completers[f"{name}_baseline"]
            )
        for name in ("recovery", "qpr"):
            self._mean(f"{name}_change_all", part[f"{name}_end"] - part[f"{name}_baseline"])
        self._mean("share_rate", groups["share_rate"])
        self._mean("sprout_share_completers", completers["sprouts_end"] > 0)
        self._mean("realised_end_completers", completers["realised_changes_end"])
        self._mean("realised_followup_completers", completers["realised_changes_followup"])
        self._mean("companionship_uptake_completers", completers["companionship"])
        self._mean("bridging_followup", part["bridging_followup"])
        self._mean("cohesion_end", groups["cohesion_end"])
        if "draw" in part:
            self.draws.update(part["draw"].unique().tolist())
        self._add_per_run(part, groups, dropped)
        if control is not None:
            self._add_effects(part, control.participants)

    def _add_per_run(self, part: pd.DataFrame, groups: pd.DataFrame, dropped: np.ndarray) -> None:
        run = part["run"].to_numpy()
        completer = ~dropped

        def by_run(values, mask=None) -> pd.Series:
            values = pd.Series(np.asarray(values, dtype=float))
            if mask is not None:
                values = values.where(mask)
            return values.groupby(run).mean()  # a run without completers gives NaN, left out

        def change(name: str) -> np.ndarray:
            return (part[f"{name}_end"] - part[f"{name}_baseline"]).to_numpy(float)

        values = {
            "dropout_rate": by_run(dropped),
            "dropout_by_session_3": by_run(part["dropout_session"].le(3).fillna(False).to_numpy(bool)),
            "hope_change_completers": by_run(change("hope"), completer),
            "self_image_change_completers": by_run(change("self_image"), completer),
            "recovery_change_all": by_run(change("recovery")),
            "qpr_change_all": by_run(change("qpr")),
            "share_rate": pd.Series(groups["share_rate"].to_numpy(float), index=groups["run"].to_numpy()),
            "sprout_share_completers": by_run(part["sprouts_end"].to_numpy() > 0, completer),
            "realised_end_completers": by_run(part["realised_changes_end"], completer),
            "realised_followup_completers": by_run(part["realised_changes_followup"], completer),
            "companionship_uptake_completers": by_run(part["companionship"], completer),
            "bridging_followup": by_run(part["bridging_followup"]),
            "cohesion_end": pd.Series(groups["cohesion_end"].to_numpy(float), index=groups["run"].to_numpy()),
        }
        if "draw" in part:  # the tables' numbers too, per run, for their parameter intervals
            session = part["dropout_session"]
            for k in range(1, self.params.n_sessions):
                values[f"left_after:{k}"] = by_run(session.eq(k).fillna(False).to_numpy(bool))
            for group, mask in (("completers", completer), ("left early", dropped)):
                for outcome in OUTCOMES:
                    values[f"change:{group}:{outcome}"] = by_run(change(outcome), mask)
            for name in CHANNELS:
                values[f"fired:{name}"] = by_run(part[f"mech_{name}_sessions"].to_numpy() > 0)
        draw_of = part.groupby("run")["draw"].first() if "draw" in part else None
        for name, series in values.items():
            draws = np.zeros(len(series), dtype=np.int64) if draw_of is None else draw_of.loc[series.index]
            self.per_run.setdefault(name, DrawMoments()).add(draws, series.to_numpy())

    def _add_effects(self, a: pd.DataFrame, b: pd.DataFrame) -> None:
        self.has_control = True
        for outcome in (*EFFECT_OUTCOMES, "bridging_followup"):
            col = outcome if outcome.endswith("_followup") else f"{outcome}_end"
            e = self.effects.setdefault(
                col, {"peer": Moments(), "control": Moments(), "diff": Moments(), "by_draw": DrawMoments()}
            )
            diff = (a[col] - b[col]).groupby(a["run"]).mean()  # a block holds whole runs
            e["peer"].add(a[col])
            e["control"].add(b[col])
            e["diff"].add(diff)
            if "draw" in a:  # per posterior draw: parameter uncertainty apart from Monte Carlo error
                draws = a.groupby("run")["draw"].first().loc[diff.index]
                e["by_draw"].add(draws.to_numpy(), diff.to_numpy())

    # --- the tables ------------------------------------------------------------------------------
    def dropout_by_session(self) -> pd.DataFrame:
        """Share of all participants who left after each session, with 95% intervals."""
        rows = []
        for session in range(1, self.params.n_sessions):
            k = self.left_after.get(session, 0)
            lo, hi = wilson(k, self.n)
            row = {"session": session, "left": k, "share": k / self.n, "ci_low": lo, "ci_high": hi}
            rows.append({**row, **self._par(f"left_after:{session}")})
        return pd.DataFrame(rows)

    def _par(self, name: str) -> dict[str, float]:
        """In posterior mode, the parameter interval of a per-run number (``param_interval``)."""
        if not self.draws or name not in self.per_run:
            return {}
        par = self.per_run[name].interval()
        return {k: par[k] for k in ("param_low", "param_high", "param_low_se", "param_high_se")}

    def outcome_changes(self) -> pd.DataFrame:
        """Mean change from baseline to end of course, for completers and for those who left."""
        rows = []
        for group, by_outcome in self.changes.items():
            for outcome in OUTCOMES:
                mean, lo, hi = by_outcome[outcome].ci()
                lo, hi = clip(lo, hi, difference_range(outcome))  # a change of a 0-1 state: -1 to 1
                rows.append(
                    {
                        "group": group,
                        "n": self.group_n[group],
                        "outcome": outcome,
                        "change": mean,
                        "ci_low": lo,
                        "ci_high": hi,
                        **self._par(f"change:{group}:{outcome}"),
                    }
                )
        return pd.DataFrame(rows)

    def mechanism_activation(self) -> pd.DataFrame:
        """For each activation channel: share of participants for whom it fired, and mean weeks."""
        rows = []
        for name in CHANNELS:
            k = self.fired[name]
            lo, hi = wilson(k, self.n)
            rows.append(
                {
                    "mechanism": name,
                    "share_fired": k / self.n,
                    "ci_low": lo,
                    "ci_high": hi,
                    "mean_weeks": self.weeks[name].value,
                    **self._par(f"fired:{name}"),
                }
            )
        return pd.DataFrame(rows)

    def headline(self) -> dict[str, float]:
        """A handful of numbers that characterise a scenario (also the pinned baseline)."""
        m = self.means
        return {
            "dropout_rate": m["dropout_rate"].value,
            "dropout_by_session_3": self.left_by_3 / self.n,
            "hope_change_completers": m["hope_change_completers"].value,
            "self_image_change_completers": m["self_image_change_completers"].value,
            "recovery_change_all": m["recovery_change_all"].value,
            "qpr_change_all": m["qpr_change_all"].value,
            "share_rate": m["share_rate"].value,
            "sprout_share_completers": m["sprout_share_completers"].value,
            "realised_end_completers": m["realised_end_completers"].value,
            "realised_followup_completers": m["realised_followup_completers"].value,
            "companionship_uptake_completers": m["companionship_uptake_completers"].value,
            "bridging_followup": m["bridging_followup"].value,
            "cohesion_end": m["cohesion_end"].value,
        }

    def headline_table(self) -> pd.DataFrame:
        """The headline with its intervals, one row per statistic: ``value`` (as ``headline()``),
        ``mc_low``/``mc_high`` (95%, Monte Carlo error over runs, the group being the unit) and, in
        posterior mode, ``param_low``/``param_high`` (parameter uncertainty: quantiles over draws)
        with ``param_low_se``/``param_high_se`` (their Monte Carlo error). Every interval lies
        inside its statistic's range (``HEADLINE_RANGE``)."""
        rows = []
        for name, value in self.headline().items():
            row = {"statistic": name, "value": value}
            per_run = self.per_run.get(name)
            if per_run is not None:
                row.update(self._intervals(per_run, HEADLINE_RANGE[name], value))
            rows.append(row)
        return pd.DataFrame(rows)

    def _intervals(self, per_run: DrawMoments, bounds: tuple[float, float], value: float) -> dict[str, float]:
        # the spread of the runs' values gives the precision, the group being the unit; centred on
        # the headline value, which pools participants (completers' means weigh each completer,
        # not each group, so it is not quite the mean of the runs' values)
        n, total, squares = per_run.n.sum(), per_run.s.sum(), per_run.ss.sum()
        mean = total / n if n else np.nan
        sd = np.sqrt(max(squares - n * mean**2, 0.0) / (n - 1)) if n > 1 else np.nan
        low, high = clip(value - _Z * sd / np.sqrt(n), value + _Z * sd / np.sqrt(n), bounds)
        out = {"mc_low": low, "mc_high": high}
        if self.draws:
            par = per_run.interval()
            out.update({k: par[k] for k in ("param_low", "param_high", "param_low_se", "param_high_se")})
        return out

    def effect_vs_control(self) -> pd.DataFrame:
        """End-of-course difference, PEER arm minus control arm (same people, same draws), for
        every participant (intention to treat): mean difference with a 95% interval over groups,
        and Cohen's d on the end values (pooled SD), as a trial would report it."""
        if not self.has_control:
            raise ValueError("no control arm was added to this summary")
        rows = []
        for col, e in self.effects.items():
            diff = e["diff"]
            mean = diff.value
            half = _Z * np.sqrt(diff.var) / np.sqrt(diff.n) if diff.n > 1 else np.nan
            pooled = pooled_sd(e["peer"].var, e["control"].var, pooling="equal")
            low, high = clip(mean - half, mean + half, difference_range(col))
            row = {
                "outcome": col,
                "peer": e["peer"].value,
                "control": e["control"].value,
                "difference": mean,
                "ci_low": low,
                "ci_high": high,
                # a standardised difference needs spread in both arms: bridging is 0 in every
                # control (no course, no ties beyond it), and pooling its spread with none would
                # give the PEER arm's own spread over the square root of 2 (d 0.9 for a mean of 0.2)
                "cohens_d": cohens_d(mean, pooled) if e["control"].var > 0 else np.nan,
            }
            if self.draws:
                par = e["by_draw"].interval()
                row.update({k: par[k] for k in ("param_low", "param_high", "param_low_se", "param_high_se")})
            rows.append(row)
        return pd.DataFrame(rows)

    def report(self) -> str:
        return _report(self)


def dropout_by_session(res: Results) -> pd.DataFrame:
    """Share of all participants who left after each session, with 95% intervals."""
    return Summary.of(res).dropout_by_session()


def outcome_changes(res: Results) -> pd.DataFrame:
    """Mean change from baseline to end of course, for completers and for those who left."""
    return Summary.of(res).outcome_changes()


def mechanism_activation(res: Results) -> pd.DataFrame:
    """For each activation channel: share of participants for whom it fired, and mean weeks."""
    return Summary.of(res).mechanism_activation()


def headline(res: Results) -> dict[str, float]:
    """A handful of numbers that characterise a scenario (also the pinned baseline)."""
    return Summary.of(res).headline()


EFFECT_OUTCOMES = ("qpr", "recovery", "hope", "self_efficacy", "self_image", "loneliness")


def effect_vs_control(res: Results, control: Results) -> pd.DataFrame:
    """End-of-course difference, PEER arm minus control arm (see :meth:`Summary.effect_vs_control`)."""
    return Summary.of(res, control).effect_vs_control()


def changed_parameters(params) -> list[str]:
    """``name=value`` for every parameter that differs from its default (the session plan aside)."""
    from peersim.core.params import Params

    defaults = Params().to_dict()
    return [f"{k}={v}" for k, v in params.to_dict().items() if k != "session_plan" and v != defaults[k]]


def changed_names(params) -> list[str]:
    """The parameters that differ from their defaults (the session plan aside)."""
    from peersim.core.params import Params

    default = Params()
    return [
        k
        for k in params.__dataclass_fields__
        if k != "session_plan" and getattr(params, k) != getattr(default, k)
    ]


def _exploratory_note(params) -> list[str]:
    from peersim.stats.uncertainty import exploratory_line

    line = exploratory_line(changed_names(params))
    return [line] if line else []


def report(res: Results, control: Results | None = None) -> str:
    """The readable summary the CLI prints (with the effect against ``control`` if given)."""
    return Summary.of(res, control).report()


def par_text(par, fmt: str = "{:.3f}") -> str:
    """``{par low to high ±e}``: a parameter interval (quantiles over posterior draws) and the
    larger Monte Carlo error (95%) of its two ends, in the number format ``fmt``."""
    low, high = par["param_low"], par["param_high"]
    if not (np.isfinite(low) and np.isfinite(high)):
        return "{par not estimable: too few runs per draw}"
    if low == high:  # the draws' spread does not show above the runs' noise: no width is known
        return "{par not told apart from the runs' noise: more runs}"
    errors = [
        e for e in (par.get("param_low_se"), par.get("param_high_se")) if e is not None and np.isfinite(e)
    ]
    error = " ±" + fmt.format(_Z * max(errors)).lstrip("+") if errors else ""
    return "{par " + fmt.format(low) + " to " + fmt.format(high) + error + "}"


def _report(summary: Summary) -> str:
    p = summary.params
    lines = [
        f"peersim: {summary.runs:,} courses, seed {summary.seed}, {summary.n:,} participants",
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
        *([change] if (change := plan_change(p.session_plan, p.n_sessions)) else []),
        *_exploratory_note(p),
        *(
            [
                f"Parameter uncertainty: each run takes one of {len(summary.draws):,} posterior draws"
                " (peersim.posterior()); intervals below are Monte Carlo error [..] and, apart,"
                " parameter uncertainty {par low to high ±e}: the 2.5th and 97.5th percentiles over"
                " the draws of their mean, ±e the Monte Carlo error of those ends (95%)"
            ]
            if summary.draws
            else []
        ),
        BASELINE_RULE + ("; these are posterior numbers" if summary.draws else "; these are at the defaults"),
        "",
    ]
    n_left = summary.n_left
    lo, hi = wilson(n_left, summary.n)
    if p.control_arm:
        lines.append("Dropout: none (the control arm has no group to leave)")
    else:
        line = f"Dropout: {n_left / summary.n:.1%} of participants (95% CI {lo:.1%} to {hi:.1%})"
        if summary.draws:
            line += "   " + par_text(summary.per_run["dropout_rate"].interval(), "{:.1%}")
        lines.append(line)
        by_session = summary.dropout_by_session()
        lines.append(
            "  left after session: "
            + "  ".join(f"{int(r.session)}: {r.share:.1%}" for r in by_session.itertuples())
        )
        if summary.draws:
            lines.append(
                "  parameter intervals: "
                + "  ".join(
                    f"{int(r.session)}: {par_text(r._asdict(), '{:.1%}')}" for r in by_session.itertuples()
                )
            )
    if summary.has_control:
        lines += [
            "",
            "Effect against service as usual (control arm: the same people and draws, no group),",
            "end of course, everyone (intention to treat); PEER trial: QPR-15 +5.1 [2.4, 7.8], d = 0.43",
        ]
        for r in summary.effect_vs_control().itertuples():
            label = "QPR-15 (0-60)" if r.outcome == "qpr_end" else r.outcome.replace("_end", "")
            digits = 1 if r.outcome == "qpr_end" else 3
            line = (
                f"  {label:17s} {r.peer:7.{digits}f} vs {r.control:7.{digits}f}   difference"
                f" {r.difference:+.{digits}f} [{r.ci_low:+.{digits}f}, {r.ci_high:+.{digits}f}]"
                + (
                    f"   d = {r.cohens_d:+.2f}"
                    if np.isfinite(r.cohens_d)
                    else "   d: none (0 in every control)"
                )
            )
            if hasattr(r, "param_low"):
                line += "   " + par_text(r._asdict(), f"{{:+.{digits}f}}")
            lines.append(line)
    lines += ["", "Change from baseline to end of course within the PEER arm, mean [95% CI]"]
    changes = summary.outcome_changes()
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
        if summary.draws:  # the parameter intervals under each row
            pars = []
            for g in groups:
                r = changes[(changes["group"] == g) & (changes["outcome"] == outcome)].iloc[0]
                pars.append(par_text(r.to_dict(), f"{{:+.{digits}f}}"))
            lines.append(f"  {'':15s}" + "".join(f"{c:>32s}" for c in pars))
    lines.append(
        "  (completers and leavers are not comparable groups: who leaves is selected. Intervals show"
        " how precisely the simulation knows each mean, not a trial's uncertainty.)"
    )
    h = summary.headline()
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
    for r in summary.mechanism_activation().itertuples():
        line = f"  {r.mechanism:16s} {r.share_fired:7.1%}   {r.mean_weeks:5.2f}"
        if summary.draws:
            line += "   " + par_text(r._asdict(), "{:.1%}")
        lines.append(line)
    return "\n".join(lines)
