"""Time against size for every benchmark's recorded figures: ``docs/benchmarks-growth.png``.

    python bench/plot.py                      # reads bench/results/*.json
    python bench/plot.py --out /tmp/growth.png

One panel per script (``bench/results/<script>.json``, written by ``bench/results.record``), log-log axes:
every figure whose name ends in `` s`` or `` ms`` is drawn in milliseconds against the number of
postings, one line per (figure, backend): solid for PostgreSQL, dashed for SQLite. A straight line of
slope 1 is linear growth, a flat line is a cost that does not depend on the size.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks-growth.png"
STYLE = {"postgresql": "-", "sqlite": "--"}
CJK_FONTS = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "Source Han Sans SC", "SimHei", "Microsoft YaHei"]


def series(data: dict) -> dict[tuple[str, str], list[tuple[int, float]]]:
    """(figure, backend) → [(size, milliseconds)], sorted by size; figures in s or ms only."""
    out: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for run in data.get("runs", []):
        for name, value in run.get("figures", {}).items():
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                continue
            if name.endswith(" ms"):
                ms, label = float(value), name[:-3]
            elif name.endswith(" s"):
                ms, label = float(value) * 1000, name[:-2]
            else:
                continue
            out.setdefault((label, run["backend"]), []).append((int(run["size"]), ms))
    return {key: sorted(points) for key, points in out.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    # page names are Chinese (search 石墨烯): use a CJK font when the machine has one
    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [name for name in CJK_FONTS if name in installed]
    if cjk:
        plt.rcParams["font.sans-serif"] = [*cjk, *plt.rcParams["font.sans-serif"]]

    files = sorted(args.results.glob("*.json"))
    scripts = [(f.stem, series(json.loads(f.read_text(encoding="utf-8")))) for f in files]
    scripts = [(name, s) for name, s in scripts if s]
    if not scripts:
        raise SystemExit(f"no figures in {args.results}/*.json: run a benchmark first")
    columns = min(2, len(scripts))
    rows = math.ceil(len(scripts) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(7 * columns, 4.6 * rows), squeeze=False)
    for ax, (name, lines) in zip(axes.flat, scripts, strict=False):
        for (label, backend), points in sorted(lines.items()):
            sizes, values = zip(*points, strict=True)
            ax.plot(sizes, values, STYLE.get(backend, ":"), marker="o", label=f"{label} ({backend})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"bench/{name}.py")
        ax.set_xlabel("postings")
        ax.set_ylabel("milliseconds")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(scripts) :]:
        ax.set_visible(False)
    fig.suptitle("How cost grows with the number of postings (bench/results/*.json)")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"{args.out}: {len(scripts)} panel(s) from {', '.join(f.name for f in files)}")


if __name__ == "__main__":
    main()
