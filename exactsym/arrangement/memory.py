"""Memory budget of an enumeration: the default limit when the caller gives none.

The traversal keeps every region (pattern, exact point) and one entry per
(region, neuron) pair, so its memory grows with the region count. Without a
budget it would grow until the operating system kills it; instead the
default budget is half of the memory available when the run starts
(``MemAvailable`` of ``/proc/meminfo``), and the traversal stops cleanly with
``complete: false`` and a reason naming ``--max-memory`` once its resident
set exceeds it. Checked every few regions (reading ``/proc/self/statm`` is
cheap).
"""

from __future__ import annotations

import os

__all__ = ["default_budget_mb", "rss_mb"]


def _meminfo_mb(key: str):
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def rss_mb() -> float | None:
    """Resident set size of this process in MiB (None where /proc is unavailable)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def default_budget_mb() -> float | None:
    """Current RSS plus half of the available memory (None when it cannot be read)."""
    avail = _meminfo_mb("MemAvailable")
    now = rss_mb()
    if avail is None or now is None:
        return None
    return now + avail / 2
