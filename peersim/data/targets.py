"""Targets: what was observed, read as the calibration and the checks compare it.

A target is one observation (a value, its standard error, a kind, fit true/false, a grade and a
source) naming a statistic of a virtual copy of a study (peersim/studies/observe.py). A study's
own observations come from its file (peersim/data/study.py); the seed's and the literature's about
PEER groups from ``peersim/data/targets.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from peersim.data.study import ERRORS, Study, StudyError, as_study, parse_key

KINDS = ("near", "at_least", "at_most", "within")


def error_of(t: Mapping) -> str:
    """A target's observation error (:data:`ERRORS`; default ``simulated``)."""
    return t.get("error", "simulated")


# --- targets ------------------------------------------------------------------------------------
def load_targets(
    path: str | Path | None = None, study: Study | str | Path | None = None, literature: bool | None = None
) -> dict[str, dict]:
    """The targets, checked: each has a value, a standard error, a kind, fit true/false, a grade
    and a source (and, if an earlier fit used a held-out one, ``used_by``), and names a statistic
    of a virtual copy of ``study`` (default the PEER trial).
    They are the study's own observations and, with ``literature`` (default: for the PEER trial,
    or when ``path`` is given), those of the target file (default ``peersim/data/targets.toml``:
    the seed's and the literature's, which are about PEER groups)."""
    literature = (study is None or path is not None) if literature is None else literature
    study = as_study(study)
    targets = study.targets()
    if literature:
        text = (
            Path(path).read_text(encoding="utf-8")
            if path
            else resources.files("peersim.data").joinpath("targets.toml").read_text(encoding="utf-8")
        )
        for name, t in tomllib.loads(text).items():
            if name in targets:
                raise ValueError(f"target {name!r}: named twice (in the study and in the target file)")
            targets[name] = t
    for name, t in targets.items():
        t.setdefault("statistic", name)
        if t.get("kind") not in KINDS:
            raise ValueError(f"target {name!r}: kind must be one of {', '.join(KINDS)}")
        for key in ("value", "se"):
            if not isinstance(t.get(key), int | float) or isinstance(t.get(key), bool):
                raise ValueError(f"target {name!r}: needs a number {key!r}")
        if t["se"] <= 0:
            raise ValueError(f"target {name!r}: se must be positive")
        if not isinstance(t.get("fit"), bool):
            raise ValueError(f"target {name!r}: fit must be true or false")
        if not t.get("source"):
            raise ValueError(f"target {name!r}: needs a source")
        error = t.get("error", "simulated")
        if not isinstance(error, str) or error not in ERRORS:
            raise ValueError(f"target {name!r}: error = {error!r}; choose one of {', '.join(ERRORS)}")
        if error == "subsample" and (
            not isinstance(t.get("n"), int) or isinstance(t.get("n"), bool) or t["n"] < 1
        ):
            raise ValueError(f"target {name!r}: error = 'subsample' needs n, the people it was seen in")
        if "error_sd" in t and (
            error != "normal"
            or not isinstance(t["error_sd"], int | float)
            or isinstance(t["error_sd"], bool)
            or not t["error_sd"] > 0
        ):
            raise ValueError(f"target {name!r}: error_sd must be a positive number, with error = 'normal'")
        if "used_by" in t and (not isinstance(t["used_by"], str) or not t["used_by"].strip()):
            raise ValueError(
                f"target {name!r}: used_by must say which earlier fit used it, and why it matters"
            )
        try:
            parse_key(t["statistic"], study)
        except StudyError as error:
            raise ValueError(f"target {name!r}: {error}") from None
    return targets


def keys(targets: Mapping[str, Mapping]) -> list[str]:
    """The statistics the targets compare, each once, in the targets' order."""
    return list(dict.fromkeys(t["statistic"] for t in targets.values()))


def fitted(targets: Mapping[str, Mapping]) -> dict[str, Mapping]:
    return {k: t for k, t in targets.items() if t["fit"]}


def reused(targets: Mapping[str, Mapping]) -> dict[str, str]:
    """Held-out targets that an earlier fit used (their ``used_by``): name -> which fit and why it
    matters. Their checks are not independent of the data they check (docs/validation.md)."""
    return {k: t["used_by"] for k, t in targets.items() if not t["fit"] and t.get("used_by")}
