"""Progress that suits where it goes: a live bar on a terminal, plain lines in a log.

    bar = progress_bar(total=10_000, desc="courses")
    bar.update(500)        # as work is done
    bar.close()

On a terminal (stderr is a tty) this is a tqdm bar, left on screen when done. Anywhere else (a log
file, a pipe, a batch job's output, CI) a bar would write fragments of carriage-return redraws, so
it prints one line every few seconds instead, and one when the work is done:

    size_and_skill: 12,000/112,000 courses (11%), 3,850 courses/s, about 26 s left
    size_and_skill: done, 112,000 courses in 29 s (3,862 courses/s)

The environment variable ``PEERSIM_PROGRESS_SECONDS`` sets the time between lines (default 5).
"""

from __future__ import annotations

import os
import sys
import time
from typing import IO, Any, Protocol

from tqdm.auto import tqdm

DEFAULT_SECONDS = 5.0


class Progress(Protocol):
    def update(self, n: int = 1) -> Any: ...
    def close(self) -> None: ...


def progress_bar(
    total: int,
    desc: str = "",
    unit: str = "course",
    initial: int = 0,
    enabled: bool = True,
    stream: IO[str] | None = None,
    seconds: float | None = None,
) -> Progress:
    """A tqdm bar when ``stream`` (default stderr) is a terminal, otherwise a :class:`LineProgress`
    printing a line every ``seconds`` (default ``$PEERSIM_PROGRESS_SECONDS`` or 5); nothing at all
    when ``enabled`` is false."""
    stream = sys.stderr if stream is None else stream
    if not enabled:
        return Silent()
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return tqdm(total=total, initial=initial, desc=desc or None, unit=unit, file=stream, smoothing=0.1)
    if seconds is None:
        try:
            seconds = float(os.environ.get("PEERSIM_PROGRESS_SECONDS", DEFAULT_SECONDS))
        except ValueError:
            seconds = DEFAULT_SECONDS
    return LineProgress(total, desc, unit, initial, stream, seconds)


class Silent:
    """Progress that says nothing (``--quiet``)."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class LineProgress:
    """One line every ``seconds``: done of total, rate, time left; and a last line when closed."""

    def __init__(
        self, total: int, desc: str, unit: str, initial: int, stream: IO[str], seconds: float, clock=None
    ) -> None:
        self.total, self.unit, self.stream, self.seconds = total, unit, stream, seconds
        self.prefix = f"{desc}: " if desc else ""
        self.done = self.initial = initial
        self.clock = clock or time.monotonic
        self.start = self.last = self.clock()
        self.closed = False

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if now - self.last >= self.seconds and self.done < self.total:
            self.last = now
            self._print(self._status(now))

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        elapsed = self.clock() - self.start
        ran = self.done - self.initial
        if self.done >= self.total:
            rate = f" ({ran / elapsed:,.0f} {self.unit}s/s)" if elapsed > 0 and ran else ""
            self._print(f"done, {ran:,} {self.unit}s in {_duration(elapsed)}{rate}")
        else:
            self._print(f"stopped at {self._status(self.clock())}")

    def _status(self, now: float) -> str:
        elapsed = now - self.start
        ran = self.done - self.initial
        share = f" ({self.done / self.total:.0%})" if self.total else ""
        text = f"{self.done:,}/{self.total:,} {self.unit}s{share}"
        if elapsed > 0 and ran > 0:
            rate = ran / elapsed
            text += f", {rate:,.0f} {self.unit}s/s, about {_duration((self.total - self.done) / rate)} left"
        return text

    def _print(self, text: str) -> None:
        print(self.prefix + text, file=self.stream, flush=True)

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
