from pathlib import Path

import pytest
from django.core.management import get_commands

DEV = Path(__file__).resolve().parents[2] / "data" / "eval" / "dev"


@pytest.mark.django_db
def test_evaluate_matching_meets_the_quality_bar():
    """What `manage.py evaluate_matching data/eval/dev` computes (here in the test database)."""
    from matching.management.commands.evaluate_matching import evaluate

    result = evaluate(DEV)
    matcher, bm25 = result["matcher"], result["bm25"]
    assert matcher["needs"] == 26
    assert matcher["ndcg@10"] >= 0.93
    assert matcher["recall@10"] >= 0.86
    assert matcher["ndcg@10"] > bm25["ndcg@10"]
    assert matcher["recall@10"] > bm25["recall@10"]


def test_commands_exist():
    assert {"import_postings", "match", "export_matches", "evaluate_matching"} <= set(get_commands())
