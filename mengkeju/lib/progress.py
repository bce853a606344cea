"""Progress of long commands: a tqdm bar on a terminal, plain periodic lines otherwise (logs, cron, CI).

    make = progress_factory(sys.stderr)
    bar = make(desc="checking needs.jsonl", total=20000, unit="line")
    for ...: bar.update(1)
    bar.close()            # prints a final line: count, seconds, rate

Every tracker has ``update(n)`` and ``close()``; ``total`` may be None (count and rate, no time left).
On a terminal (``stream.isatty()``) the bar is tqdm's (count, percentage, rate, elapsed and time left);
otherwise a line every ``interval`` seconds (default 10) gives the count, the percentage, the rate and the
time left, and ``close()`` one summary line.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable


class NullProgress:
    """Tracks nothing (services called without a progress factory, tests)."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    @classmethod
    def factory(cls, **kwargs) -> NullProgress:
        return cls()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class PlainProgress:
    """Periodic lines for output that is not a terminal: one at most every ``interval`` seconds, and a
    summary on ``close()``. ``clock`` (seconds, monotonic) is replaceable in tests."""

    def __init__(self, *, stream, desc: str, total: int | None, unit: str, interval: float = 10.0, clock=None):
        self.stream, self.desc, self.total, self.unit, self.interval = stream, desc, total, unit, interval
        self.clock = clock or time.monotonic
        self.started = self.last = self.clock()
        self.count = 0
        self.closed = False

    def _rate(self, now: float) -> float:
        elapsed = now - self.started
        return self.count / elapsed if elapsed > 0 else 0.0

    def update(self, n: int = 1) -> None:
        self.count += n
        now = self.clock()
        if now - self.last >= self.interval:
            self.last = now
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def line(self, now: float) -> str:
        rate = self._rate(now)
        text = f"{self.desc}: {self.count:,}"
        if self.total:
            done = min(self.count, self.total)
            text += f"/{self.total:,} {self.unit}s ({100 * done / self.total:.0f} %)"
        else:
            text += f" {self.unit}s"
        text += f", {rate:,.0f} {self.unit}s/s"
        if self.total and rate > 0:
            text += f", about {_duration(max(self.total - self.count, 0) / rate)} left"
        return text

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        now = self.clock()
        self.stream.write(
            f"{self.desc}: {self.count:,} {self.unit}s in {_duration(now - self.started)} "
            f"({self._rate(now):,.0f} {self.unit}s/s)\n"
        )
        self.stream.flush()


def progress_factory(stream, *, interval: float = 10.0) -> Callable[..., object]:
    """A factory of trackers writing to ``stream`` (a file object; for a management command pass
    ``self.stderr._out``, not the ``OutputWrapper``, which would append a newline to every bar redraw)."""
    tty = bool(getattr(stream, "isatty", lambda: False)())

    def make(*, desc: str, total: int | None = None, unit: str = "item"):
        if tty:
            from tqdm import tqdm

            # a terminal that reports no size (some ptys) would get an empty bar: 100 × 40 then
            size = shutil.get_terminal_size((0, 0))
            width = {"dynamic_ncols": True} if size.columns and size.lines else {"ncols": 100, "nrows": 40}
            return tqdm(total=total, desc=desc, unit=unit, file=stream, mininterval=0.5, **width)
        return PlainProgress(stream=stream, desc=desc, total=total, unit=unit, interval=interval)

    return make
