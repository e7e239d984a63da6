"""A one-line progress bar for long commands (import and send): done/total, rate, ETA."""

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, total: int, *, label: str, stream: TextIO | None = None) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.last_draw = 0.0

    def line(self, done: int) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        share = min(done / self.total, 1.0) if self.total else 1.0
        filled = int(share * 30)
        eta = (self.total - done) / rate if rate and self.total > done else 0.0
        return (
            f"{self.label} [{'#' * filled}{'.' * (30 - filled)}] {share:6.1%} "
            f"{done:,}/{self.total:,}  {rate:,.0f}/s  ETA {int(eta) // 60}:{int(eta) % 60:02d}"
        )

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last_draw >= 0.2:
            self.last_draw = now
            self.stream.write("\r" + self.line(done))
            self.stream.flush()

    def finish(self, done: int) -> None:
        self.update(done, force=True)
        self.stream.write("\n")
        self.stream.flush()
