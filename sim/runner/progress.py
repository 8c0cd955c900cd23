"""The progress bar of a sweep: runs done, runs failed, time left (tqdm, on stderr)."""

from __future__ import annotations

import sys

from tqdm import tqdm


class Progress:
    """Counts finished and failed runs; shows a bar with the estimated time left."""

    def __init__(self, total: int, *, label: str = "runs", enabled: bool = True) -> None:
        self.done = 0
        self.failed = 0
        interactive = sys.stderr.isatty()
        self._bar = tqdm(total=total, desc=label, unit="run", file=sys.stderr, dynamic_ncols=True,
                         disable=not enabled or total == 0,
                         mininterval=0.5 if interactive else 15.0,
                         bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                    "[{elapsed}<{remaining}{postfix}]")
        self._bar.set_postfix_str("0 failed", refresh=False)

    def finished(self) -> None:
        """One run finished and was stored."""
        self.done += 1
        self._bar.update(1)

    def failure(self) -> None:
        """One run failed (it counts towards the total: it will not be retried in this sweep)."""
        self.failed += 1
        self._bar.set_postfix_str(f"{self.failed} failed", refresh=False)
        self._bar.update(1)

    def write(self, message: str) -> None:
        """A line above the bar."""
        self._bar.write(message, file=sys.stderr)

    def close(self) -> None:
        self._bar.close()
