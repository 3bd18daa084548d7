"""A handout: one A4 page (PDF) of one person's course for a class to read on paper.

The page holds the person's story in plain words (``peersim explain``'s text, as the lesson
shows it), their own weekly chart and the group circle at the last session with them ringed.
Drawn with matplotlib (no new dependency): the PDF is one page at A4 size, and no text on it is
smaller than ``SMALLEST_PT`` (9 pt), which tests/test_teaching.py checks on the saved file.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from peersim.core.kernel import Kernel
from peersim.core.params import Params
from peersim.report.narrative import narrate
from peersim.report.teaching import draw_group, draw_person, state_words
from peersim.report.words import GLOSSARY, scenario_words

A4_INCHES = (8.27, 11.69)
SMALLEST_PT = 9
#: the story's size is the largest of these that fits the page (never below SMALLEST_PT)
_STORY_PT = (10.5, 10.0, 9.5, 9.0)
_MARGIN = 0.55  # inches on every side: inside what office printers can print


class HandoutTooLong(ValueError):
    """The story does not fit one page at the smallest legible size."""


def handout_figure(
    params: Params,
    seed: int,
    run: int = 0,
    member: int = 0,
    population=None,
    colour_by: str = "hope",
    title=None,
) -> Figure:
    """The page as a matplotlib Figure (A4, portrait)."""
    kernel = Kernel(params, seed, np.array([run]), population, record_ties=True)
    kernel.run()  # the whole course and follow-up, as `peersim explain` runs it
    if not 0 <= member < kernel.group.n:
        raise ValueError(f"member = {member} is not in the group (0 to {kernel.group.n - 1})")
    story = narrate(kernel, 0, member).splitlines()
    # one column at the largest size that fits; a long course in two columns at the smallest
    for size, columns in [*((size, 1) for size in _STORY_PT), (SMALLEST_PT, 2)]:
        fig = _page(kernel, member, story, colour_by, size, title, columns)
        if _fits(fig):
            return fig
    raise HandoutTooLong(
        f"participant {member}'s story does not fit one A4 page at {SMALLEST_PT} pt; use `peersim lesson` or"
        " `peersim explain` for it"
    )


def write_handout(
    path, params: Params, seed: int, run: int = 0, member: int = 0, population=None, **kw
) -> Path:
    path = Path(path)
    fig = handout_figure(params, seed, run, member, population, **kw)
    fig.savefig(path, format="pdf")
    return path


def _page(
    kernel: Kernel, member: int, story: list[str], colour_by: str, size: float, title, columns: int = 1
) -> Figure:
    p = kernel.params
    height = A4_INCHES[1]
    fig = Figure(figsize=A4_INCHES)
    top = 1 - _MARGIN / height
    left = _MARGIN / A4_INCHES[0]
    fig.text(
        left,
        top,
        title or f"Participant {member}: a course in the PEER group",
        fontsize=16,
        fontweight="bold",
        va="top",
    )
    fig.text(
        left,
        top - 0.03,
        f"A simulated group (seed {kernel.streams.seed}, group {int(kernel.streams.runs[0])}):"
        f" {scenario_words(p)}. Made with peersim; not a real person.",
        fontsize=SMALLEST_PT + 0.5,
        va="top",
        color="#444444",
        wrap=True,
    )
    # the circle (left) and the person's chart (right), side by side under the title
    circle = fig.add_axes((left - 0.01, 0.65, 0.33, 0.235))
    draw_group(circle, kernel, p.n_sessions, colour_by, chosen=member, fontsize=SMALLEST_PT + 1)
    circle.set_title(f"The group at session {p.n_sessions}", fontsize=SMALLEST_PT + 2)
    chart = fig.add_axes((0.45, 0.685, 0.36, 0.2))
    draw_person(chart, kernel, member, fontsize=SMALLEST_PT)
    scale = (
        f"orange: not yet safe, blue: safe (from {p.safe_threshold:g})"
        if colour_by == "safety"
        else "dark low, yellow high"
    )
    key = (
        f"Circle: participants by number, coloured by {state_words(colour_by)} ({scale});"
        f" red ring: participant {member}; hollow: absent; grey: left the group; squares: facilitators;"
        " lines: ties, thicker = closer."
    )
    fig.text(
        left,
        0.645,
        "\n".join(textwrap.wrap(key, _chars(SMALLEST_PT))),
        fontsize=SMALLEST_PT,
        va="top",
        color="#333333",
    )
    # the story, one paragraph per line of `peersim explain`
    # a paragraph's later lines indented, so paragraphs part without blank lines between them
    gap = 0.25  # inches between two columns
    width = (A4_INCHES[0] - 2 * _MARGIN - (columns - 1) * gap) / columns
    paragraphs = [
        textwrap.wrap(line, _chars(size, width), subsequent_indent="    ", break_long_words=False)
        for line in story
    ]
    fig.text(left, 0.6, "Their story", fontsize=size + 2, fontweight="bold", va="top")
    # columns part between paragraphs, as near the middle of the lines as a paragraph allows
    total, split, running = sum(map(len, paragraphs)), len(paragraphs), 0
    if columns == 2:
        for k, lines in enumerate(paragraphs):
            running += len(lines)
            if running >= total / 2:
                split = k + 1
                break
    for c, block in enumerate((paragraphs[:split], paragraphs[split:])[:columns]):
        x = left + c * (width + gap) / A4_INCHES[0]
        text = "\n".join("\n".join(lines) for lines in block)
        fig.text(x, 0.578, text, fontsize=size, va="top", linespacing=1.3, gid="story")
    words = ["safety", "self-image", "recovery", "sprout of change"]
    glossary = "; ".join(f"{w}: {GLOSSARY[w]}" for w in words)
    fig.text(
        left,
        _MARGIN / height,
        "\n".join(textwrap.wrap("Words: " + glossary, _chars(SMALLEST_PT))),
        fontsize=SMALLEST_PT,
        va="bottom",
        color="#333333",
        gid="glossary",
    )
    return fig


def _chars(size: float, width: float | None = None) -> int:
    """Characters per line of ``width`` inches (default: the page's) at ``size`` pt (DejaVu Sans
    averages under 0.56 em)."""
    width = A4_INCHES[0] - 2 * _MARGIN if width is None else width
    return int(width * 72 / (0.56 * size))


def _fits(fig: Figure) -> bool:
    """Does the story end above the glossary (and every text stay inside the margins)?"""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()  # measuring only; savefig picks its own canvas
    texts = fig.texts
    glossary = next(t for t in texts if t.get_gid() == "glossary")
    top_of_glossary = glossary.get_window_extent(renderer).y1
    if any(t.get_window_extent(renderer).y0 < top_of_glossary + 6 for t in texts if t.get_gid() == "story"):
        return False
    page = fig.bbox
    inside = page.x1 - _MARGIN * fig.dpi / 2  # half the margin is enough slack for a wrapped line
    return all(
        t.get_window_extent(renderer).y0 >= page.y0 and t.get_window_extent(renderer).x1 <= inside
        for t in texts
    )
