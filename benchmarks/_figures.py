"""What every verify benchmark records about the machine, and how it writes its figures."""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path


def machine_figures(load_before: tuple[float, float, float]) -> dict:
    """Peak memory of the child processes, the load average around the run, and the core count."""
    return {
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def write_figures(path: Path, figures: dict, *, hidden: tuple[str, ...] = ("steps_s",)) -> None:
    """Write all figures as JSON under benchmarks/out/ and print the headline ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({key: value for key, value in figures.items() if key not in hidden}, indent=2))
