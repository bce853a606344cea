"""bench/results.py keeps the latest figure per (backend, size); bench/plot.py draws them against size."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from plot import main as plot_main  # noqa: E402
from plot import series  # noqa: E402
from results import record  # noqa: E402


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


def test_every_stored_result_is_plotted():
    """Every script writes the one format of bench/results.py, so every file in bench/results/ gives the
    plot time figures (incremental.json and full_run.json once had a format of their own, and the plot
    stopped at them)."""
    for path in sorted(Path(plot_main.__globals__["RESULTS"]).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert all(isinstance(run["size"], int) for run in data["runs"]), path.name
        assert series(data), path.name


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_postgresql_run_records_the_server_settings_bulk_writes_depend_on(tmp_path):
    path = record("import", backend="postgresql", size=1000, figures={"total s": 1.0}, folder=tmp_path)
    server = json.loads(path.read_text(encoding="utf-8"))["runs"][0]["server"]
    assert set(server) == {"shared_buffers", "max_wal_size", "checkpoint_timeout"}
    assert server["shared_buffers"].endswith("×8kB") and server["checkpoint_timeout"].endswith("×s")
    sqlite = record("import", backend="sqlite", size=1000, figures={"total s": 1.0}, folder=tmp_path)
    assert json.loads(sqlite.read_text(encoding="utf-8"))["runs"][1]["server"] is None


def test_the_one_table_names_machine_date_and_command_of_every_run(tmp_path):
    from results import table

    path = record("import", backend="sqlite", size=1000, figures={"total s": 2.5}, folder=tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["runs"].append({**data["runs"][0], "backend": "postgresql", "server": {"shared_buffers": "524288×8kB"}})
    path.write_text(json.dumps(data), encoding="utf-8")
    lines = table(tmp_path).splitlines()
    assert lines[0].startswith("| script | backend | size | figures | machine |") and len(lines) == 4
    assert "total s 2.5" in lines[2] and "cores" in lines[2] and "python " in lines[2]
    assert "shared_buffers 4096 MB" in lines[3] and "shared_buffers" not in lines[2]
