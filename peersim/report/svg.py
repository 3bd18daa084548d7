"""The group circle and a person's weekly chart as inline SVG text, for the browser app.

The same pictures as ``teaching.draw_group`` and ``teaching.person_chart`` (and as the lesson
page's script draws), written as SVG strings: about a millisecond each where matplotlib took 0.2
to 0.3 s per PNG, which is what a step cost the app with a class's browsers open, and sharp on a
projector at any size. Each picture is an ``<svg role="img">`` whose ``aria-label`` says what it
shows.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from peersim.core.kernel import Kernel
from peersim.report.teaching import _CHOSEN, PERSON_STATES, palette, state_words
from peersim.report.words import week_title

_DASHES = {"-": "", "--": "12 6", "-.": "12 5 3 5", ":": "3 5"}


def _colour(colours: list[str], value: float) -> str:
    return colours[max(0, min(len(colours) - 1, round(float(value) * (len(colours) - 1))))]


def circle_svg(
    kernel: Kernel, week: int, colour_by: str, chosen: int | None, label: str, max_width: int = 720
) -> str:
    """The group in ``week``: as ``teaching.draw_group`` draws it (ties by strength, hollow when
    absent, grey with no ties once left, no ties after the course, ``chosen`` ringed in red)."""
    g, p = kernel.group, kernel.params
    record = kernel.history[week]
    size, c, r = 600, 300, 220
    n, f = g.n, g.f
    pos = [
        (
            c + r * math.cos(math.pi / 2 - 2 * math.pi * k / (n + f)),
            c - r * math.sin(math.pi / 2 - 2 * math.pi * k / (n + f)),
        )
        for k in range(n + f)
    ]
    present = np.asarray(record["present"][0], bool)
    gone = np.zeros(n + f, bool)
    gone[:n] = np.asarray(record["dropped"][0], bool) & ~present
    ended = week > p.n_sessions
    ties = np.asarray(record["ties"][0], float)
    strength = np.zeros((n + f, n + f))
    strength[:n, :] = ties
    strength = np.maximum(strength, strength.T)  # a tie drawn once, at the stronger direction
    out = [
        f'<svg viewBox="0 -48 {size} {size + 48}" role="img" aria-label="{escape(label)}"'
        f' style="width:100%;height:auto;max-width:{max_width}px" xmlns="http://www.w3.org/2000/svg">'
    ]
    title = week_title(week, ended)
    # above the circle (the view box starts 48 units higher), clear of the top member's number
    out.append(f'<text x="{c}" y="-14" text-anchor="middle" font-size="28">{escape(title)}</text>')
    if not ended:
        for i in range(n + f):
            for j in range(i + 1, n + f):
                s = strength[i, j]
                if s > 0.02 and not gone[i] and not gone[j]:
                    (x1, y1), (x2, y2) = pos[i], pos[j]
                    out.append(
                        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#1f3b5c"'
                        f' stroke-opacity="{min(0.15 + s, 1):.2f}" stroke-width="{1 + 8 * s:.1f}"/>'
                    )
    values = record[colour_by][0]
    colours = palette(colour_by, p.safe_threshold)
    for i in range(n):
        x, y = pos[i]
        colour = _colour(colours, values[i])
        if gone[i]:
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="22" fill="#bbbbbb" stroke="#777" stroke-width="2"'
                ' stroke-dasharray="5 4"/>'
            )
        elif present[i] or ended:
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="22" fill="{colour}" stroke="#000" stroke-width="1.5"/>'
            )
        else:
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="20" fill="#fff" stroke="{colour}" stroke-width="5"/>'
            )
        if chosen == i:
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="34" fill="none" stroke="{_CHOSEN}" stroke-width="5"/>'
            )
        lx, ly = c + (x - c) * 1.27, c + (y - c) * 1.27
        weight = ' font-weight="700"' if chosen == i else ""
        out.append(
            f'<text x="{lx:.1f}" y="{ly + 9:.1f}" text-anchor="middle" font-size="26"{weight}>{i}</text>'
        )
    for k in range(f):
        x, y = pos[n + k]
        out.append(
            f'<rect x="{x - 20:.1f}" y="{y - 20:.1f}" width="40" height="40" fill="#fff" stroke="#000"'
            ' stroke-width="4"/>'
        )
        lx, ly = c + (x - c) * 1.27, c + (y - c) * 1.27
        out.append(f'<text x="{lx:.1f}" y="{ly + 9:.1f}" text-anchor="middle" font-size="24">F{k + 1}</text>')
    out.append("</svg>")
    return "".join(out)


def person_svg(
    kernel: Kernel, member: int, week: int, span: int, label: str, title: str = "", text: int = 18
) -> str:
    """``member``'s safety, connectedness, hope and self-image from week 0 to ``week`` on an x axis
    of ``span`` weeks, with where "feels safe" starts and when they left (``teaching.person_chart``).
    ``text`` is the labels' size in the picture's units (900 wide): larger for a projector, where
    the margins grow with it."""
    p = kernel.params
    k = text / 18
    width, height = 900, round(400 + 60 * (k - 1))
    left, right, top, bottom = round(70 * k), round(210 * k), round(44 * k), round(64 * k)
    span = max(span, 1)

    def x(w: float) -> float:
        return left + (width - left - right) * w / span

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - v)

    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}"'
        ' style="width:100%;height:auto" xmlns="http://www.w3.org/2000/svg">'
    ]
    if title:
        out.append(
            f'<text x="{left}" y="{round(28 * k)}" font-size="{round(24 * k)}" font-weight="600">'
            f"{escape(title)}</text>"
        )
    out.append(
        f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}"'
        ' fill="#fafafa" stroke="#999"/>'
    )
    step = 1 if span <= 12 else 4
    for w in range(0, span + 1, step):
        out.append(
            f'<text x="{x(w):.1f}" y="{height - bottom + 26 * k:.0f}" text-anchor="middle"'
            f' font-size="{text}">{w}</text>'
        )
    out.append(
        f'<text x="{left + (width - left - right) / 2}" y="{height - 10}" text-anchor="middle"'
        f' font-size="{text}">week (0: before the first session)</text>'
    )
    for v in (0, 0.5, 1):
        out.append(
            f'<text x="{left - 10}" y="{y(v) + 6 * k:.1f}" text-anchor="end" font-size="{text}">{v:g}</text>'
        )
    t = p.safe_threshold
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#1b9e77"'
        ' stroke-dasharray="3 5" stroke-width="2"/>'
        f'<text x="{width - right - 8}" y="{y(t) + 22 * k:.1f}" text-anchor="end" font-size="{text}"'
        ' fill="#1b6e57">'
        f"safe from {t:g}</text>"
    )
    history = kernel.history[: min(week, len(kernel.history) - 1) + 1]
    for i, (state, colour, dash) in enumerate(PERSON_STATES):
        points = " ".join(f"{x(r['week']):.1f},{y(float(r[state][0, member])):.1f}" for r in history)
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="4"'
            f' stroke-dasharray="{_DASHES[dash]}"/>'
        )
        ly = round(top + 20 * k + 36 * k * i)
        out.append(
            f'<line x1="{width - right + 16}" x2="{width - right + 60}" y1="{ly}" y2="{ly}" stroke="{colour}"'
            f' stroke-width="4" stroke-dasharray="{_DASHES[dash]}"/>'
            f'<text x="{width - right + 68}" y="{ly + 6 * k:.0f}" font-size="{text}">'
            f"{state_words(state)}</text>"
        )
    left_after = int(kernel.state.dropout_session[0, member])
    if left_after and left_after <= week:
        out.append(
            f'<line x1="{x(left_after):.1f}" x2="{x(left_after):.1f}" y1="{top}" y2="{height - bottom}"'
            ' stroke="#555" stroke-width="2" stroke-dasharray="8 5"/>'
            f'<text x="{x(left_after) + 6:.1f}" y="{height - bottom - 10}" font-size="{text}" fill="#333">'
            f"left after session {left_after}</text>"
        )
    out.append("</svg>")
    return "".join(out)
