"""Each benchmark's figures in ``bench/results/<script>.json``, read by the growth plot.

Shape (one file per script; a new measurement replaces the one of the same backend and size)::

    {"script": "incremental",
     "runs": {"postgresql": {"100000": {"figures": {"posting_match_p95_ms": 88.1, ...},
                                         "machine": "...", "date": "2026-11-30T12:01:00+00:00",
                                         "load_average": [3.1, 3.4, 3.0], "command": "python bench/..."}}}}

Times are in milliseconds (``*_ms``) or seconds (``*_s``), sizes in postings, memory in MB (``*_mb``).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    """CPU model, cores and memory of this machine, e.g. ``"Intel Xeon … , 2 cores, 23 GB"``."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), model)
    except OSError:
        pass
    memory = ""
    with contextlib.suppress(ValueError, OSError):
        memory = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB"
    return f"{model}, {os.cpu_count()} cores{memory}"


def command() -> str:
    """The command line that produced the figures, with the database variables it depended on."""
    env = " ".join(f"{k}={os.environ[k]}" for k in ("DATABASE_URL", "REDIS_URL") if os.environ.get(k))
    argv = " ".join(shlex.quote(a) for a in sys.argv)
    return f"{env} python {argv}".strip()


def record(script: str, backend: str, size: int, figures: dict, *, path: Path | None = None) -> Path:
    """Store ``figures`` (name → number) of ``script`` for ``backend`` at ``size`` postings; returns the file."""
    path = path or RESULTS / f"{script}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"script": script, "runs": {}}
    data["runs"].setdefault(backend, {})[str(size)] = {
        "figures": figures,
        "machine": machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "command": command(),
    }
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=float)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def table(scripts: tuple[str, ...] = ("incremental", "full_run", "bm25s_compare")) -> str:
    """The stored figures as one Markdown table (``python bench/results_json.py``)."""
    lines = ["| script | backend | size | figures | date (UTC), load average | command |", "|---|---|---|---|---|---|"]
    for script in scripts:
        path = RESULTS / f"{script}.json"
        if not path.exists():
            continue
        runs = json.loads(path.read_text(encoding="utf-8"))["runs"]
        for backend, sizes in sorted(runs.items()):
            for size, run in sorted(sizes.items(), key=lambda item: int(item[0])):
                figures = "; ".join(f"{k} {v}" for k, v in run["figures"].items() if not k.startswith("load_average"))
                load = ", ".join(str(x) for x in run["load_average"])
                lines.append(
                    f"| {script} | {backend} | {int(size):,} | {figures} | {run['date'][:16]}, {load} | "
                    f"`{run['command']}` |"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
