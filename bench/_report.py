"""Plain-text tables, percentiles and the header naming when, where and what was run."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the tables or the JSON."""
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (the platform's name elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    """Date, core count, CPU, Python and the load other work put on the machine."""
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "loadavg_1m_at_start": f"{os.getloadavg()[0]:.2f}",
    }


def header(info: dict[str, str], corpus: Path, command: str) -> str:
    """The line every report starts with."""
    return (
        f"# {info['date']} | nproc {info['nproc']} | {info['cpu']} | Python {info['python']} "
        f"| load average {info['loadavg_1m_at_start']} at start\n"
        f"# corpus {corpus} | command: {command}"
    )


def percentiles(ms: Sequence[float]) -> dict[str, float | None]:
    """p50, p95 and p99 of a list of milliseconds, rounded."""
    if not ms:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    values = np.asarray(ms)
    return {f"p{p}_ms": round(float(np.percentile(values, p)), 1) for p in (50, 95, 99)}


def fmt(value: object) -> str:
    """A cell: '-' for missing, 3 decimals for floats below 10, 1 above."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A titled, right-aligned plain-text table."""
    lines = [list(headers), *[[fmt(c) for c in row] for row in rows]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    out = ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return f"## {title}\n" + "\n".join(out)
