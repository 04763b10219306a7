"""A one-line progress bar for the bench stages, on stderr (plain lines when not a terminal)."""

from __future__ import annotations

import sys


class Progress:
    def __init__(self, total: int, width: int = 24) -> None:
        self.total, self.done, self.width = total, 0, width

    def step(self, label: str) -> None:
        """Announces the stage that starts now."""
        filled = self.width * self.done // max(1, self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        self.done += 1
        line = f"[bench] [{bar}] {self.done}/{self.total} {label}"
        if sys.stderr.isatty():
            print(f"\r\033[K{line}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def finish(self, message: str) -> None:
        end = "\r\033[K" if sys.stderr.isatty() else ""
        print(f"{end}[bench] [{'#' * self.width}] {message}", file=sys.stderr, flush=True)
