"""Who joins: drawing participants (or taking them from a table) and the facilitators.

Defaults resemble the interviewees of the qualitative study (Egmose et al. 2024, Results): "The
majority of the participants were aged 30–50 years, had received a psychiatric diagnosis at some
point in their life, lived alone, ... and few were working."

Every attribute has its own random stream at week 0, so giving some attributes in a population
table never shifts the draws of the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit, ndtri

from peersim.core.params import Params, show
from peersim.core.perrun import choose, column, same_object
from peersim.core.rng import FACILITATOR_BASE, Streams

#: Every real-valued model array (attributes, states, ties, similarities) is float32: single
#: precision is ample for 0-1 quantities moved by steps of 1e-3 or more, and halving the memory
#: traffic makes the kernel about 1.7x (per person) to 3x (pairwise) faster here. Draws, QPR scores
#: and output tables are float64.
REAL = np.float32

BOOL_ATTRIBUTES = ("employed", "lives_alone", "diagnosis")
TRAIT_ATTRIBUTES = (
    "sharing_vulnerability",
    "adversity",
    "system_distrust",
    "recovery_stage",
    "wish_for_change",
)
STATIC_ATTRIBUTES = ("age", *BOOL_ATTRIBUTES, *TRAIT_ATTRIBUTES)
AGE_RANGE = (18.0, 80.0)

# The Params field that sets each drawn attribute, and the one weighting its difference: written
# out so that a search for the parameter's name finds where it is read.
ATTRIBUTE_PARAM = {
    "employed": "employed_share",
    "lives_alone": "lives_alone_share",
    "diagnosis": "diagnosis_share",
    "sharing_vulnerability": "sharing_vulnerability_mean",
    "adversity": "adversity_mean",
    "system_distrust": "system_distrust_mean",
    "recovery_stage": "recovery_stage_mean",
    "wish_for_change": "wish_for_change_mean",
}
DIFFERENCE_PARAM = {
    "employed": "difference_employed",
    "lives_alone": "difference_lives_alone",
    "diagnosis": "difference_diagnosis",
}

# Visible standing when people compare situations (standing_stage, standing_work in Params):
# recovery stage and having work ("Two of the participants who made this statement were employed
# and the other participants in their groups were not"). Perceived difference weighs age, work,
# living situation, illness and stage (difference_* in Params): "Lack of connections ... was also
# attributed to differences ... concerning e.g., having a job or age". Paid peer workers and a
# service setting add distance to the facilitators (paid_distance, service_distance: assumptions).


@dataclass
class Group:
    """The static side of R groups: participants' attributes (R, N) and differences (R, N, M).

    Members are the N participants followed by the F facilitators (M = N + F).
    """

    attrs: dict[str, np.ndarray]
    difference: np.ndarray  # (R, N, M) objective difference 0–1 from each participant to members
    standing: np.ndarray  # (R, M) what others see when they compare
    n: int
    f: int

    @property
    def gap(self) -> np.ndarray:
        """(R, N, M) standing of each member minus that of each participant (computed once)."""
        if self._gap is None:
            self._gap = (self.standing[:, None, :] - self.standing[:, : self.n, None]).astype(REAL)
        return self._gap

    _gap: np.ndarray | None = None
    _gaps_by_direction: tuple | None = None

    def gaps_by_direction(self, margin: float) -> tuple[np.ndarray, np.ndarray]:
        """(|gap| where the sharer is worse off by more than margin, else 0; gap where better off
        by more than margin, else 0), each (R, N, M); static, so computed once."""
        if self._gaps_by_direction is None or not same_object(self._gaps_by_direction[0], margin):
            gap, zero = self.gap, REAL(0.0)
            down = np.where(gap < -margin, -gap, zero)
            up = np.where(gap > margin, gap, zero)
            self._gaps_by_direction = (margin, down, up)
        return self._gaps_by_direction[1], self._gaps_by_direction[2]

    @property
    def runs(self) -> int:
        return self.difference.shape[0]


def sized_for(params: Params, population) -> Params:
    """The one rule that a population fixes the group size: ``params`` with ``group_size`` set to
    the population's number of rows (unchanged without a population)."""
    if population is None or len(population) == params.group_size:
        return params
    return params.replace(group_size=len(population))


def validate_population(population, params: Params) -> pd.DataFrame | None:
    """Check a user's population table; return it as a DataFrame (one row per participant)."""
    if population is None:
        return None
    if isinstance(population, pd.DataFrame):
        df = population.reset_index(drop=True)
    elif isinstance(population, Sequence) and all(isinstance(r, Mapping) for r in population):
        df = pd.DataFrame(list(population))
    else:
        raise ValueError("population must be a DataFrame or a list of dicts, one row per participant")
    if len(df) < 2 or len(df) > 24:
        raise ValueError(f"population has {len(df)} rows; a group needs 2 to 24 participants")
    for col in df.columns:  # names first: a typo explains the missing values it causes
        if not isinstance(col, str) or col not in STATIC_ATTRIBUTES:
            from difflib import get_close_matches

            near = get_close_matches(str(col), STATIC_ATTRIBUTES, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(
                f"population: unknown column {show(col)}{hint} (columns: {', '.join(STATIC_ATTRIBUTES)})"
            )
    twice = df.columns[df.columns.duplicated()]
    if len(twice):
        raise ValueError(f"population: column {twice[0]!r} appears twice; give each attribute once")
    df = df.copy()
    for col in df.columns:
        values = _numeric(df[col])
        bad = values.isna()
        if bad.any():
            rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad.to_numpy())[:5])
            raise ValueError(
                f"population: column {col!r} has a missing or non-numeric value in participant {rows}"
                " (counting from 1)"
            )
        if col == "age":
            lo, hi = AGE_RANGE
        elif col in BOOL_ATTRIBUTES:
            lo, hi = 0, 1
            if not values.isin([0, 1]).all():
                raise ValueError(f"population: column {col!r} must hold true/false (0/1) values")
        else:
            lo, hi = 0.0, 1.0
        out = (values < lo) | (values > hi)
        if out.any():
            row = int(np.flatnonzero(out.to_numpy())[0])
            raise ValueError(
                f"population: column {col!r} = {values.iloc[row]:g} for participant {row + 1} is out of"
                f" range; valid range is {lo} to {hi}"
            )
        df[col] = values.astype(float)
    return df


def _numeric(column: pd.Series) -> pd.Series:
    """A column as floats; what is not a number becomes NaN (reported as such), whatever it is."""
    try:
        return pd.to_numeric(column, errors="coerce").astype(float)
    except (TypeError, ValueError, OverflowError):  # lists, huge integers and the like in a cell
        return pd.Series([_number(v) for v in column], index=column.index, dtype=float)


def _number(value) -> float:
    if isinstance(value, str):
        value = value.strip()
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return float("nan")


def draw_group(params: Params, streams: Streams, population: pd.DataFrame | None = None) -> Group:
    """Draw (or take) the participants of every run and compute their differences."""
    n, f, runs = params.group_size, params.n_facilitators, len(streams.runs)
    members = np.arange(n)
    attrs: dict[str, np.ndarray] = {}
    for name in STATIC_ATTRIBUTES:
        if population is not None and name in population.columns:
            attrs[name] = np.broadcast_to(population[name].to_numpy(REAL), (runs, n)).copy()
            continue
        u = streams.uniform(f"population.{name}", 0, members)
        if name == "age":
            value = np.clip(params.age_mean + params.age_sd * ndtri(u), *AGE_RANGE)
        elif name in BOOL_ATTRIBUTES:
            value = u < getattr(params, ATTRIBUTE_PARAM[name])
        else:
            centre = logit(getattr(params, ATTRIBUTE_PARAM[name]))
            value = expit(centre + params.trait_spread * ndtri(u))
        attrs[name] = value.astype(REAL)
    difference = _difference(attrs, params)
    standing = np.empty((runs, n + f), dtype=REAL)
    p = params
    standing[:, :n] = p.standing_stage * attrs["recovery_stage"] + p.standing_work * attrs["employed"]
    # Facilitators: far along in recovery, and active (volunteering, a flexible job).
    facilitators = params.standing_stage * params.facilitator_recovery_stage + params.standing_work
    standing[:, n:] = column(facilitators, 2, float)
    return Group(attrs=attrs, difference=difference, standing=standing, n=n, f=f)


def _difference(attrs: dict[str, np.ndarray], params: Params) -> np.ndarray:
    """Objective difference (0–1) between each participant and every member: a weighted sum of
    the parts (difference_* in Params), cut to 1 (at the default weights, which sum to 1, the cut
    never binds)."""
    p = params
    age, stage = attrs["age"], attrs["recovery_stage"]
    runs, n = age.shape
    f = params.n_facilitators
    d = np.empty((runs, n, n + f), dtype=REAL)
    d[:, :, :n] = p.difference_age * np.minimum(
        np.abs(age[:, :, None] - age[:, None, :]) / p.difference_age_scale, 1.0
    ) + p.difference_stage * np.abs(stage[:, :, None] - stage[:, None, :])
    for name, weight in DIFFERENCE_PARAM.items():
        a = attrs[name]
        d[:, :, :n] += getattr(p, weight) * np.abs(a[:, :, None] - a[:, None, :])
    d[:, :, :n] = np.minimum(d[:, :, :n], 1.0)
    # To a facilitator: age, illness experience (they are peers with lived experience), recovery
    # stage; work and living situation are not compared ("perceived as equals ... because they were
    # peers and not professionals"), but paid workers and a service setting add distance.
    role = choose(params.facilitator_role == "paid", p.paid_distance, 0.0)
    place = choose(params.setting == "mental_health_service", p.service_distance, 0.0)
    to_fac = (
        p.difference_age * np.minimum(np.abs(age - params.facilitator_age) / p.difference_age_scale, 1.0)
        + p.difference_diagnosis * (1.0 - attrs["diagnosis"])
        + p.difference_stage * np.abs(stage - params.facilitator_recovery_stage)
        + role
        + place
    )
    d[:, :, n:] = np.minimum(to_fac, 1.0)[:, :, None]
    idx = np.arange(n)
    d[:, idx, idx] = 0.0
    return d


def facilitator_members(params: Params) -> np.ndarray:
    """Member indices of the facilitators in the random streams."""
    return FACILITATOR_BASE + np.arange(params.n_facilitators)
