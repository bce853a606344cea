"""bench/results.py keeps the latest figure per (backend, size); bench/plot.py draws them against size."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from plot import main as plot_main  # noqa: E402
from plot import series  # noqa: E402
from results import record  # noqa: E402
from results_json import record as record_json  # noqa: E402


def test_a_size_recorded_again_replaces_the_earlier_run_and_the_rest_stay(tmp_path):
    record("search", backend="sqlite", size=1000, figures={"search p95 ms": 30.0}, folder=tmp_path)
    record("search", backend="sqlite", size=10000, figures={"search p95 ms": 50.0}, folder=tmp_path)
    record("search", backend="sqlite", size=1000, figures={"search p95 ms": 20.0}, folder=tmp_path)
    record("search", backend="postgresql", size=1000, figures={"search p95 ms": 25.0}, folder=tmp_path)
    data = json.loads((tmp_path / "search.json").read_text())
    assert [(r["backend"], r["size"], r["figures"]["search p95 ms"]) for r in data["runs"]] == [
        ("postgresql", 1000, 25.0),
        ("sqlite", 1000, 20.0),
        ("sqlite", 10000, 50.0),
    ]
    run = data["runs"][0]
    assert run["machine"]["cpus"] >= 1 and run["date"] and "command" in run


def test_series_are_milliseconds_of_time_figures_only():
    data = {
        "runs": [
            {"backend": "sqlite", "size": 10, "figures": {"import s": 2.5, "p95 ms": 40, "rate /s": 9, "x MB": 3}},
            {"backend": "sqlite", "size": 1, "figures": {"import s": 0.5, "p95 ms": float("nan")}},
        ]
    }
    assert series(data) == {("import", "sqlite"): [(1, 500.0), (10, 2500.0)], ("p95", "sqlite"): [(10, 40.0)]}


def test_plot_writes_a_png_of_every_script(tmp_path):
    for script in ("import_throughput", "pages"):
        for size, seconds in ((1000, 1.0), (10000, 9.0)):
            record(script, backend="postgresql", size=size, figures={"total s": seconds}, folder=tmp_path)
    out = tmp_path / "growth.png"
    plot_main(["--results", str(tmp_path), "--out", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_the_matching_scripts_results_are_plotted_too(tmp_path):
    """bench/incremental.py and bench/full_run.py write the other format ({backend: {size: …}}, names with
    underscores); the plot reads both, so their 100k points are on it (it stopped at them before)."""
    for size, p95 in ((1000, 120.0), (100000, 96.6)):
        record_json(
            "incremental",
            backend="sqlite",
            size=size,
            figures={"posting_match_p95_ms": p95, "proposals_per_need": 9.6},
            path=tmp_path / "incremental.json",
        )
    data = json.loads((tmp_path / "incremental.json").read_text())
    assert series(data) == {("posting match p95", "sqlite"): [(1000, 120.0), (100000, 96.6)]}
    record("search", backend="sqlite", size=1000, figures={"search p95 ms": 30.0}, folder=tmp_path)
    out = tmp_path / "growth.png"
    plot_main(["--results", str(tmp_path), "--out", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
