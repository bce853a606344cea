"""bench/common.load_indexed gives the matcher the same features as the services' own indexing, so the
benchmarks measure the matcher as it runs (with evidence words, a need's text for the concept layer)."""

import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from matching.models import IndexedPosting

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from common import Features  # noqa: E402
from generate import generate, write  # noqa: E402


def _same(ours: dict, theirs: dict) -> None:
    assert ours.keys() == theirs.keys()
    for key in ("terms", "grams"):
        assert ours[key].keys() == theirs[key].keys(), key
        assert all(ours[key][t] == pytest.approx(theirs[key][t]) for t in theirs[key]), key
    for key in ours.keys() - {"terms", "grams"}:
        assert ours[key] == theirs[key], key


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["need", "achievement"])
def test_bench_features_equal_the_features_of_an_import(kind, tmp_path):
    from mengkeju.lib.textanalysis import default_analyzer

    path = tmp_path / f"{kind}s.jsonl"
    write(kind, 60, path, seed=12)
    call_command("import_postings", str(path), kind=kind, publish=True, verbosity=0)
    stored = dict(IndexedPosting.objects.filter(kind=kind).values_list("posting_id", "features"))
    model = IndexedPosting.objects.filter(kind=kind)
    assert model.count() == 60
    features = Features(default_analyzer())
    from matching.services import MODELS

    by_id = dict(MODELS[kind].objects.values_list("external_id", "pk"))
    for record in generate(kind, 60, seed=12):
        ours = features.of({**record, "kind": kind})
        _same(ours, stored[by_id[record["external_id"]]])
        assert ours["words"], "evidence words are part of the features"


@pytest.mark.django_db
def test_import_breakdown_times_each_kind_of_write_and_leaves_the_import_as_it_was(tmp_path):
    """``bench/import_throughput.py --breakdown``: the writes of a publishing import are timed by kind, and
    once the block ends the import code is the original again."""
    from import_throughput import write_timers

    from matching import importing, index
    from matching.importing import postings_import

    path = tmp_path / "achievements.jsonl"
    write("achievement", 30, path, seed=5)
    before = (index.insert_terms, importing.analyze_after_bulk_write, importing._create)
    with write_timers() as timers:
        summary = postings_import(kind="achievement", path=path, publish=True, workers=1)
    assert summary.created == summary.indexed == 30
    assert {
        "new postings (COPY; bulk_create on SQLite)",
        "cooperation modes (bulk_create; the postings too on SQLite)",
        "matcher IndexedPosting rows (COPY)",
        "matcher IndexTerm rows (COPY)",
        "index statistics (upsert)",
    } <= set(timers)
    assert all(seconds > 0 for seconds in timers.values())
    assert (index.insert_terms, importing.analyze_after_bulk_write, importing._create) == before
