"""Generated blocks of the docs: the evidence register (docs/evidence.md) and parameter tables
(docs/ODD.md), read from ``Params`` and the register so the pages cannot drift from the code.

``python -m peersim.report.docs --write docs/evidence.md docs/ODD.md`` renders them in place.
"""

from __future__ import annotations

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
    docs/evidence.md; ``python -m peersim.report.docs`` prints it)."""
    lines = ["| parameter | default | evidence | prior | source |", "|---|---|---|---|---|"]
    group = None
    for row in describe():
        if row["group"] != group:
            group = row["group"]
            lines.append(f"| **{group}** | | | | |")
        entry = register()[row["name"]]
        default = row["default"]
        if isinstance(default, tuple):
            default = ", ".join(default) or "(none)"
        source = entry.source.replace("|", "/")
        lines.append(f"| `{row['name']}` | {default} | {entry.grade} | {entry.prior} | {source} |")
    return "\n".join(lines)


def parameter_table(names) -> str:
    """A Markdown table of the named parameters for docs/ODD.md: default, valid range, unit,
    evidence grade and meaning, read from ``Params`` and the register (so the ODD cannot drift)."""
    rows = {row["name"]: row for row in describe()}
    lines = [
        "| Parameter | Default | Range | Unit | Evidence | Meaning |",
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
            f"| `{name}` | {default} | {valid} | {row['unit']} | {row['evidence']} | {row['meaning']} |"
        )
    return "\n".join(lines)


#: Markers of the generated blocks in docs: the register in docs/evidence.md, and parameter tables
#: in docs/ODD.md (``<!-- params: name name ... -->`` then the table, then ``<!-- params: end -->``).
REGISTER_START, REGISTER_END = "<!-- register: generated -->\n", "<!-- register: end -->"
PARAMS_START, PARAMS_END = "<!-- params: ", "<!-- params: end -->"


def render_docs(text: str) -> str:
    """``text`` (a docs page) with every generated block rendered afresh: the register between
    its markers, and each ``<!-- params: ... -->`` block as :func:`parameter_table` of the names
    it lists. Text outside the blocks is left as it is."""
    if REGISTER_START in text:
        a = text.index(REGISTER_START) + len(REGISTER_START)
        b = text.index(REGISTER_END, a)
        text = text[:a] + markdown() + "\n" + text[b:]
    out, pos, search = [], 0, 0
    while (start := text.find(PARAMS_START, search)) >= 0:
        if text.startswith(PARAMS_END, start):
            raise ValueError(f"docs: {PARAMS_END} without a block before it (offset {start})")
        head_end = text.index("-->", start) + len("-->\n")
        names = text[start + len(PARAMS_START) : head_end - len("-->\n")].split()
        end = text.index(PARAMS_END, head_end)
        out.append(text[pos:head_end] + parameter_table(names) + "\n")
        pos, search = end, end + len(PARAMS_END)
    out.append(text[pos:])
    return "".join(out)


def main(argv=None) -> int:
    """``python -m peersim.report.docs [--markdown]``: print the register as Markdown;
    ``python -m peersim.report.docs --write FILE ...``: render the generated blocks of docs pages in
    place (docs/evidence.md, docs/ODD.md)."""
    import argparse
    from pathlib import Path

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
