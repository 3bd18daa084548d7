"""Generated blocks of the docs: the evidence register (docs/evidence.md) and parameter tables
(docs/ODD.md), read from ``Params`` and the register so the pages cannot drift from the code.

``python -m peersim.report.docs --write docs/evidence.md docs/ODD.md`` renders them in place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from peersim.core.params import _FIELDS
from peersim.data.register import describe, register


def _default_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"`{value}`"
    if isinstance(value, tuple):
        return ", ".join(value) or "(none)"
    return f"{value:g}" if isinstance(value, float) else str(value)


def markdown() -> str:
    """The register as a Markdown table, grouped as ``peersim params`` groups the parameters (for
    docs/evidence.md; ``python -m peersim.report.docs`` prints it). Two grades per parameter:
    ``direction`` (the register's ``evidence``) and ``size``; the source column ends with how the
    prior's range was chosen where the entry says so (its ``range``)."""
    lines = [
        "| parameter | default | direction | size | prior | source |",
        "|---|---|---|---|---|---|",
    ]
    group = None
    for row in describe():
        if row["group"] != group:
            group = row["group"]
            lines.append(f"| **{group}** | | | | | |")
        entry = register()[row["name"]]
        default = row["default"]
        if isinstance(default, tuple):
            default = ", ".join(default) or "(none)"
        source = entry.source + (f". Range: {entry.range}" if entry.range else "")
        source = source.replace("|", "/")
        lines.append(
            f"| `{row['name']}` | {default} | {entry.grade} | {entry.size} | {entry.prior} | {source} |"
        )
    return "\n".join(lines)


def grades_text(row) -> str:
    """The two grades of a parameter as one cell: ``seed / assumption`` (direction / size), or one
    word when both agree."""
    return row["evidence"] if row["evidence"] == row["size"] else f"{row['evidence']} / {row['size']}"


def parameter_table(names) -> str:
    """A Markdown table of the named parameters for docs/ODD.md: default, valid range, unit,
    evidence grades (direction / size, one word when they agree) and meaning, read from ``Params``
    and the register (so the ODD cannot drift)."""
    rows = {row["name"]: row for row in describe()}
    lines = [
        "| Parameter | Default | Range | Unit | Evidence (direction / size) | Meaning |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        if name not in rows:
            raise ValueError(f"parameter_table: unknown parameter {name!r}")
        row, meta = rows[name], _FIELDS[name].metadata
        if meta["lo"] is not None:
            valid = f"{meta['lo']:g} to {meta['hi']:g}"
        elif meta["choices"]:
            valid = " / ".join(meta["choices"])
        elif isinstance(row["default"], bool):
            valid = "true / false"
        else:
            valid = ""
        default = row["default"] if name == "session_plan" else _default_text(row["default"])
        lines.append(
            f"| `{name}` | {default} | {valid} | {row['unit']} | {grades_text(row)} | {row['meaning']} |"
        )
    return "\n".join(lines)


def render_blocks(text: str, kind: str, render: Callable[[str], str]) -> str:
    """``text`` with every generated block of ``kind`` rendered afresh; text outside is kept.

    The one form of a generated block in the docs: a head ``<!-- KIND: WHAT -->``, the generated
    lines, and ``<!-- KIND: end -->``. ``render(WHAT)`` gives the lines (WHAT names the table, or
    lists parameters). A head without its end, or an end without a head, raises a ValueError."""
    head, end_marker = f"<!-- {kind}: ", f"<!-- {kind}: end -->"
    out, pos, search = [], 0, 0
    while (start := text.find(head, search)) >= 0:
        if text.startswith(end_marker, start):
            raise ValueError(f"docs: {end_marker} without a block before it (offset {start})")
        head_end = text.find("-->", start)
        end = text.find(end_marker, head_end)
        if head_end < 0 or end < 0:
            raise ValueError(f"docs: {text[start : start + 60]!r} has no {end_marker} after it")
        what = text[start + len(head) : head_end].strip()
        out.append(text[pos : head_end + len("-->")] + "\n" + render(what) + "\n")
        pos, search = end, end + len(end_marker)
    out.append(text[pos:])
    return "".join(out)


def block(text: str, kind: str, what: str) -> str:
    """The generated lines of the block ``<!-- KIND: WHAT -->`` in ``text``."""
    head, end_marker = f"<!-- {kind}: {what} -->", f"<!-- {kind}: end -->"
    start = text.find(head)
    if start < 0:
        raise ValueError(f"docs: no generated block {head}")
    return text[start + len(head) : text.index(end_marker, start)].strip("\n")


def write_blocks(path: str | Path, kind: str, render: Callable[[str], str]) -> bool:
    """Render the blocks of ``kind`` in the page at ``path`` in place; True if it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    new = render_blocks(text, kind, render)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


#: The generated blocks of the register's pages: ``<!-- register: generated -->`` in
#: docs/evidence.md, and ``<!-- params: name name ... -->`` parameter tables in docs/ODD.md.
PARAMS_START = "<!-- params: "


def render_docs(text: str) -> str:
    """``text`` (a docs page) with its register and parameter-table blocks rendered afresh."""
    text = render_blocks(text, "register", lambda what: markdown())
    return render_blocks(text, "params", lambda what: parameter_table(what.split()))


def main(argv=None) -> int:
    """``python -m peersim.report.docs [--markdown]``: print the register as Markdown;
    ``python -m peersim.report.docs --write FILE ...``: render the generated blocks of docs pages in
    place (docs/evidence.md, docs/ODD.md)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m peersim.report.docs")
    parser.add_argument("--markdown", action="store_true", help="print the register (the default)")
    parser.add_argument("--write", nargs="+", type=Path, default=None, help="docs pages to render")
    args = parser.parse_args(argv)
    if args.write:
        for path in args.write:
            text = path.read_text(encoding="utf-8")
            new = render_docs(text)
            if new != text:
                path.write_text(new, encoding="utf-8")
                print(f"rendered {path}")
        return 0
    print(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
