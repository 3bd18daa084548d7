"""What decides a simulated result, as one hash: the source of the layers that turn parameters
into tables (core, data, run: mechanisms, kernel, tables, register, posterior, engine, posterior
draws) and the data files shipped with them. Code above them (statistics, studies, sweeps,
reports, the CLI and the app) does not change a table, so editing it keeps ``--resume`` working.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
#: The layers whose code decides the tables of a run.
MODEL_LAYERS = ("core", "data", "run")


def code_fingerprint(layers: tuple[str, ...] = MODEL_LAYERS, exclude: tuple[str, ...] = ()) -> str:
    """Hash of every file of the given layers (source and shipped data; caches excluded): results
    of one version are never mixed with another's on --resume, committed or not. ``exclude``:
    files (relative to the package, e.g. ``data/posterior.csv``) that cannot change the results."""
    digest = hashlib.sha256()
    for layer in layers:
        folder = PACKAGE / layer
        if not folder.is_dir():
            raise ValueError(f"code_fingerprint: no layer {layer!r} in {PACKAGE}")
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            if path.relative_to(PACKAGE).as_posix() in exclude:
                continue
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
