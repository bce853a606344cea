"""import_postings analyses large files in worker processes (IMPORT_WORKERS): what it stores is what the
one-process path stores, and the file is still all or nothing when a worker dies half-way."""

import json
import os
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from achievements.models import Achievement
from matching import importing
from matching.models import IndexedPosting, IndexKindStat, IndexTerm, IndexTermStat
from matching.services import posting_features
from mengkeju.postings.search import search_tokens_of
from mengkeju.postings.sorting import title_sort_key

TITLES = [
    "基于C++的工业控制实时软件框架",
    "304不锈钢焊接变形控制技术",
    "碳纖維複合材料風電葉片",
    "耐高温α–淀粉酶发酵生产技术",
    "发酵过程在线拉曼光谱监测系统",
    "高纯颗粒硅制备",
    "3D打印钛合金轻量化构件",
]


def records(n, *, prefix="P-A"):
    return [
        {
            "external_id": f"{prefix}{i:03d}",
            "title": f"{TITLES[i % len(TITLES)]}{i}",
            "description": f"{TITLES[(i + 3) % len(TITLES)]}。第{i}批中试，稀土永磁材料与煤化工催化剂。",
            "keywords": [TITLES[(i + 1) % len(TITLES)][:6], "中试"],
            "cluster": ["新能源", "新材料", "绿色农畜产品加工"][i % 3],
            "organization": f"测试大学{i % 4}",
            "cooperation_modes": ["技术转让", "合作开发"][: 1 + i % 2],
            "maturity": "中试",
            "price_wan": 10 * (i % 5) or None,
        }
        for i in range(n)
    ]


def write(tmp_path, rows, name="achievements.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def stored_index():
    """Everything the import wrote for search and matching, keyed by external id (not by database id)."""
    ext = dict(Achievement.objects.values_list("pk", "external_id"))
    return {
        "postings": {
            a.external_id: (
                a.title_sort,
                a.search_tokens,
                a.status,
                sorted(m.name_zh for m in a.cooperation_modes.all()),
            )
            for a in Achievement.objects.prefetch_related("cooperation_modes")
        },
        "features": {ext[i.posting_id]: i.features for i in IndexedPosting.objects.filter(kind="achievement")},
        "terms": Counter(
            (ext[pid], term, round(w, 6))
            for pid, term, w in IndexTerm.objects.filter(kind="achievement").values_list("posting_id", "term", "weight")
        ),
        "df": dict(IndexTermStat.objects.filter(kind="achievement", df__gt=0).values_list("term", "df")),
        "totals": list(
            IndexKindStat.objects.filter(kind="achievement").values_list(
                "postings", "total_length", "total_gram_length"
            )
        ),
    }


@pytest.mark.django_db(transaction=True)
def test_workers_store_what_one_process_stores(tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "IMPORT_BATCH", 4)  # several batches, spread over the workers
    path = write(tmp_path, records(30))
    importing.postings_import(kind="achievement", path=path, publish=True, workers=1)
    alone = stored_index()
    Achievement.objects.all().delete()
    IndexedPosting.objects.all().delete()
    IndexTerm.objects.all().delete()
    IndexTermStat.objects.all().delete()
    IndexKindStat.objects.all().delete()

    summary = importing.postings_import(kind="achievement", path=path, publish=True, workers=2)
    assert (summary.created, summary.indexed, summary.published) == (30, 30, 30)
    parallel = stored_index()
    assert parallel == alone
    # and it is what the services compute for a posting published through the web forms
    for achievement in Achievement.objects.prefetch_related("cooperation_modes").select_related("cluster"):
        assert achievement.search_tokens == search_tokens_of(achievement)
        assert achievement.title_sort == title_sort_key(achievement.title)
        indexed = IndexedPosting.objects.get(kind="achievement", posting_id=achievement.pk)
        assert indexed.features == json.loads(json.dumps(posting_features(achievement)))


@pytest.mark.django_db(transaction=True)
def test_reimport_with_workers_replaces_the_index_rows_and_keeps_the_statistics_exact(tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "IMPORT_BATCH", 4)
    importing.postings_import(kind="achievement", path=write(tmp_path, records(12)), publish=True, workers=2)
    changed = [{**r, "description": "全新的描述：膜分离与乳酸菌发酵。"} for r in records(20)]
    summary = importing.postings_import(kind="achievement", path=write(tmp_path, changed), publish=True, workers=2)
    assert (summary.created, summary.updated, summary.indexed) == (8, 12, 20)
    # the statistics kept in step equal a recount from the index rows
    df = Counter(IndexTerm.objects.filter(kind="achievement").values_list("term", flat=True))
    assert dict(IndexTermStat.objects.filter(kind="achievement", df__gt=0).values_list("term", "df")) == dict(df)
    assert IndexKindStat.objects.get(kind="achievement").postings == 20
    assert not IndexTerm.objects.filter(term="稀土").exists()  # the old description's words are gone
    assert IndexTerm.objects.filter(term="乳酸菌").count() == 20


def dying_derive(batch, analyzer=None):
    """A worker killed half-way (as by the out-of-memory killer): on the batch of the 10th posting."""
    if any(p["title"].endswith("9") for p in batch):
        os._exit(9)
    return importing._derive_real(batch, analyzer)


@pytest.mark.django_db(transaction=True)
def test_a_worker_dying_half_way_saves_nothing_and_keeps_what_was_there(tmp_path, monkeypatch):
    importing.postings_import(kind="achievement", path=write(tmp_path, records(3)), publish=True, workers=1)
    before = stored_index()
    monkeypatch.setattr(importing, "IMPORT_BATCH", 2)
    monkeypatch.setattr(importing, "_derive_real", importing._derive, raising=False)
    monkeypatch.setattr(importing, "_derive", dying_derive)
    rows = [{**r, "title": f"改过的标题{i}0"} for i, r in enumerate(records(3))] + records(20)[3:]
    with pytest.raises(CommandError, match="(?s)nothing imported.*ended unexpectedly.*IMPORT_WORKERS=1"):
        call_command(
            "import_postings", "--kind", "achievement", str(write(tmp_path, rows)), "--publish", "--workers", "2"
        )
    assert stored_index() == before  # the batches written before the failure were rolled back


@pytest.mark.django_db(transaction=True)
def test_the_command_takes_the_number_of_workers(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(importing, "IMPORT_BATCH", 3)
    path = write(tmp_path, records(10))
    call_command("import_postings", "--kind", "achievement", str(path), "--publish", "--workers", "2")
    assert "10 created" in capsys.readouterr().out
    assert IndexedPosting.objects.filter(kind="achievement").count() == 10
    with pytest.raises(CommandError, match="--workers"):
        call_command("import_postings", "--kind", "achievement", str(path), "--workers", "-1")


def test_small_files_are_analysed_in_process_and_large_ones_by_one_worker_per_cpu(settings):
    settings.IMPORT_WORKERS = 0
    assert importing.import_workers(importing.PARALLEL_FROM - 1) == 1
    assert importing.import_workers(importing.PARALLEL_FROM) == (os.cpu_count() or 1)
    settings.IMPORT_WORKERS = 3
    assert importing.import_workers(100_000) == 3
