"""Benchmark figures on disk: ``bench/results/<script>.json``, read by ``bench/plot.py``.

    from results import record
    record("search", backend="postgresql", size=100_000,
           figures={"search p95 ms": 120.0, "LIKE p95 ms": 2400.0}, notes={"index MB": 30.1})

One file per script, holding a list of runs; a run is one (backend, size) with its figures, the machine,
the date, the load average and the command line that produced it. Recording a (backend, size) again
replaces the earlier run, so the file keeps the latest figure of every size. Figure names end with their
unit (``… s``, ``… ms``, ``… /s``, ``… MB``); ``plot.py`` draws every figure ending in `` s`` or `` ms``
against size. ``python bench/results.py`` prints every stored figure as one Markdown table.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import shlex
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    """CPU model and count, memory, OS and Python of this machine."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    memory_gb = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1)
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
    }


SERVER_SETTINGS = ("shared_buffers", "max_wal_size", "checkpoint_timeout")


def server_settings(backend: str) -> dict | None:
    """PostgreSQL's settings that bulk writes depend on (docs/operations.md "PostgreSQL settings"), as the
    server reports them (``{"shared_buffers": "524288×8kB", …}``), or None (SQLite, no connection)."""
    if backend != "postgresql":
        return None
    with contextlib.suppress(Exception):  # Django not set up, or the database gone
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, setting || coalesce('×' || unit, '') FROM pg_settings WHERE name = ANY(%s)",
                [list(SERVER_SETTINGS)],
            )
            return dict(cursor.fetchall())
    return None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def command() -> str:
    """The command line that produced the figures, with the database variables it depended on."""
    env = " ".join(f"{k}={os.environ[k]}" for k in ("DATABASE_URL", "REDIS_URL") if os.environ.get(k))
    argv = " ".join(shlex.quote(a) for a in [Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    return f"{env} python {argv}".strip()


def record(
    script: str,
    *,
    backend: str,
    size: int,
    figures: dict[str, float],
    notes: dict | None = None,
    folder: Path = RESULTS,
) -> Path:
    """Add (or replace) the run of ``script`` at ``size`` postings on ``backend``; returns the file."""
    folder.mkdir(exist_ok=True)
    path = folder / f"{script}.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"script": script, "runs": []}
    run = {
        "backend": backend,
        "size": size,
        "figures": {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()},
        "notes": notes or {},
        "machine": machine(),
        "server": server_settings(backend),
        "load_average": load_average(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": command(),
    }
    data["runs"] = [r for r in data["runs"] if (r["backend"], r["size"]) != (backend, size)] + [run]
    data["runs"].sort(key=lambda r: (r["backend"], r["size"]))
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _setting(value: str) -> str:
    """``"524288×8kB"`` → ``"4096 MB"``, ``"900×s"`` → ``"900 s"`` (pg_settings' number × unit)."""
    number, _, unit = value.partition("×")
    if unit == "8kB" and number.isdigit():
        return f"{int(number) * 8 // 1024} MB"
    return f"{number} {unit}".strip()


def machine_text(run: dict) -> str:
    """The machine of a run in a few words: CPU, cores, memory and PostgreSQL's write settings if any."""
    m = run.get("machine") or {}
    if isinstance(m, str):  # the first rounds wrote it as a sentence
        text = m
    else:
        text = f"{m.get('cpu') or '?'}, {m.get('cpus') or '?'} cores, {m.get('memory_gb') or '?'} GB"
    server = run.get("server")
    if server:
        text += "; " + ", ".join(f"{k} {_setting(v)}" for k, v in sorted(server.items()))
    return text


def table(folder: Path = RESULTS) -> str:
    """Every stored figure as one Markdown table (``python bench/results.py``): script, backend, size,
    figures (the baseline's among them, named as such), machine, date and load average, command."""
    lines = [
        "| script | backend | size | figures | machine | date (UTC), load average | command |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for run in data["runs"]:
            figures = "; ".join(f"{k} {v}" for k, v in run["figures"].items() if not k.startswith("load average"))
            load = ", ".join(str(x) for x in run.get("load_average") or [])
            lines.append(
                f"| {data['script']} | {run['backend']} | {run['size']:,} | {figures} | {machine_text(run)} | "
                f"{run['date'][:16]}, {load} | `{run['command']}` |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
