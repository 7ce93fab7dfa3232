"""Progress of a long command: counts, the time left, and a summary at the end.

On a terminal one line is redrawn in place (at most every `REDRAW` seconds); elsewhere (a
pipe, a log, CI) nothing is printed until the summary, so logs hold no progress noise.
The estimate is the average time per unit so far times the units left.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

REDRAW = 0.2


def duration(seconds: float) -> str:
    """A short human duration: 0.4 s, 12 s, 3 min 05 s, 1 h 02 min."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


class Progress:
    """`done` of `total` units of work (`unit`, e.g. "databases"), drawn on a terminal."""

    def __init__(
        self,
        label: str,
        total: int,
        unit: str,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        live: bool | None = None,
    ) -> None:
        self.label, self.total, self.unit = label, max(total, 0), unit
        self.stream = stream or sys.stdout
        self.clock = clock
        self.live = self.stream.isatty() if live is None else live
        self.started = clock()
        self.done = 0
        self.note = ""
        self._drawn_at = -REDRAW
        self._width = 0

    def left(self) -> float | None:
        """Seconds left by the pace so far; None before the first unit is done."""
        if self.done <= 0 or self.total <= self.done:
            return None if self.done <= 0 else 0.0
        return (self.clock() - self.started) / self.done * (self.total - self.done)

    def line(self) -> str:
        """What the terminal shows now."""
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        left = self.left()
        eta = f", about {duration(left)} left" if left else ""
        note = f" · {self.note}" if self.note else ""
        return f"{self.label}: {self.done}/{self.total} {self.unit}{share}{eta}{note}"

    def advance(self, units: int = 1, note: str | None = None) -> None:
        """Count `units` more done (and say what is being worked on)."""
        self.done += units
        self.total = max(self.total, self.done)
        self.show(note)

    def show(self, note: str | None = None) -> None:
        """Redraw with a new note (e.g. the item now being worked on), without counting."""
        if note is not None:
            self.note = note
        now = self.clock()
        # The first unit and the last are always drawn: the first estimate, and the end.
        milestone = self.done in (1, self.total)
        if not self.live or (now - self._drawn_at < REDRAW and not milestone):
            return
        self._drawn_at = now
        text = self.line()
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def finish(self, summary: str) -> str:
        """Clear the live line and print the summary with the time taken (always printed)."""
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
        text = f"{summary} in {duration(self.clock() - self.started)}"
        print(text, file=self.stream, flush=True)
        return text
