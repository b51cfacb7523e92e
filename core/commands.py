"""What management commands share: progress bars (tqdm) on a command's output.

    bar = progress_bar(self.stderr, total=len(ids), unit="leads")
    bar.update(1) ...; bar.close()

On a terminal the bar redraws one line in place. Redirected to a file or a log, it either
stays silent (`in_logs=False`, for a command whose output is its result, e.g. JSON) or writes
its state at most every 30 s and always its last state (`in_logs=True`, for jobs whose
output is read in logs)."""

from __future__ import annotations

from django.core.management.base import OutputWrapper
from tqdm import tqdm


class _Stream:
    """A command's output as tqdm writes to it: text as it comes (an OutputWrapper ends every
    write with a newline, which would break the redraws)."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return self.out.isatty()


def progress_bar(
    out: OutputWrapper, *, total: int, unit: str, desc: str = "", in_logs: bool = False
) -> tqdm:
    stream = _Stream(out)
    terminal = stream.isatty()
    if (not terminal and not in_logs) or not total:
        return tqdm(total=total, disable=True)
    return tqdm(
        total=total,
        desc=desc or None,
        unit=f" {unit}",
        file=stream,
        mininterval=0.1 if terminal else 30,
        dynamic_ncols=terminal,
        ncols=None if terminal else 80,
    )
