from pathlib import Path

import pytest
from django.core.management import get_commands

DATA = Path(__file__).resolve().parents[2] / "data" / "eval"
DEV = DATA / "dev"
DEV_V2 = DATA / "dev-v2"


@pytest.mark.django_db
def test_evaluate_matching_meets_the_quality_bar():
    """What `manage.py evaluate_matching data/eval/dev` computes (here in the test database): the ranking
    beats BM25, and the review queue is short and mostly relevant (not ten proposals for every need)."""
    from matching.management.commands.evaluate_matching import evaluate

    result = evaluate(DEV)
    matcher, bm25 = result["matcher"], result["bm25"]
    assert matcher["needs"] == 26
    assert matcher["ndcg@10"] >= 0.93
    assert matcher["recall@10"] >= 0.86
    assert matcher["ndcg@10"] > bm25["ndcg@10"]
    assert matcher["recall@10"] > bm25["recall@10"]
    # the queue: precision well above the one-in-five of a top-10 queue, most graded pairs proposed
    assert matcher["queue_precision"] >= 0.5
    assert matcher["queue_recall"] >= 0.7
    assert 1.0 <= matcher["proposals_per_need"] <= 5.0
    assert matcher["proposals"] == sum(len(v) for v in result["proposals"].values())


def test_symptom_language_set_beats_bm25_with_a_short_queue():
    """dev-v2 (needs in symptom language, hard negatives, CSL background), in memory: the matcher's
    nDCG@10 and recall@10 are at least 0.05 above BM25 on the same tokens, and its queue is mostly relevant."""
    from matching.evaluation import evaluate_in_memory
    from mengkeju.lib.textanalysis import Analyzer, starter_synonyms

    result = evaluate_in_memory(DEV_V2, analyzer=Analyzer(starter_synonyms()))
    matcher, bm25 = result["matcher"], result["bm25"]
    assert matcher["needs"] == 40
    assert matcher["ndcg@10"] >= bm25["ndcg@10"] + 0.05
    assert matcher["recall@10"] >= bm25["recall@10"] + 0.05
    assert matcher["queue_precision"] >= 0.5
    assert matcher["queue_recall"] >= 0.7
    assert matcher["proposals_per_need"] <= 5.0


def test_commands_exist():
    assert {"import_postings", "match", "export_matches", "evaluate_matching"} <= set(get_commands())
