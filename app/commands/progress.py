"""Progress bars for the long-running commands (`import`, `export`).

`progress` is tqdm-like (`total` is set, then `update(n)` called) or a plain callable `f(n)`.
"""

from tqdm import tqdm

CHUNK = 1024 * 1024  # per read and zip write: a thread hop per MiB costs nothing next to the copy


def progress_bar(description: str, unit: str = "file") -> tqdm:
    """A bar on stderr, silent when stderr is not a terminal; `unit="B"` counts bytes. It
    first shows once the transfer sets its total (`delay` skips the empty first draw)."""
    return tqdm(desc=description, unit=unit, unit_scale=unit == "B", disable=None, delay=0.1,
                unit_divisor=1024 if unit == "B" else 1000, dynamic_ncols=True)


def start_progress(progress, total: int) -> None:
    """Tell a tqdm-like `progress` its total (a plain callable needs none)."""
    if hasattr(progress, "total"):
        progress.total = total
        progress.refresh()


def advance_progress(progress, n: int) -> None:
    """Move `progress` on by `n` (a tqdm-like object or a plain callable)."""
    if progress is not None:
        getattr(progress, "update", progress)(n)
