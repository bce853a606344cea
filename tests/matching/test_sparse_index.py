"""The in-memory retrieval answers exactly as the database's (matching.sparse_index)."""

import pytest

from matching import index, services
from matching.models import IndexTerm, PostingKind
from matching.sparse_index import SparseIndex
from tests.factories import AchievementFactory


@pytest.mark.django_db
@pytest.mark.parametrize("per_term", [1, 2, 3, 300])
def test_memory_retrieval_returns_the_database_candidates_in_the_same_order(indexed, per_term):
    for i in range(6):  # more postings per term than the smallest caps, some with equal weights (ties)
        AchievementFactory(
            title=f"乳房炎在线检测{i % 2}", keywords=["乳房炎", "挤奶"], description="牛奶电导率。", cluster="agri-food"
        )
    services.index_refresh(kind=PostingKind.ACHIEVEMENT)
    memory = SparseIndex.build(PostingKind.ACHIEVEMENT, per_term)
    terms = sorted(set(IndexTerm.objects.filter(kind=PostingKind.ACHIEVEMENT).values_list("term", flat=True)))
    queries = [
        {"乳房炎": 2.0, "挤奶": 1.0},
        {"粉煤灰": 1.5, "氧化铝": 0.7, "乳房炎": 0.1},
        {t: 1.0 + (i % 3) / 3 for i, t in enumerate(terms[:40])},
        {"不在索引里": 1.0},
    ]
    for weights in queries:
        for limit in (1, 3, 100):
            expected = index.top_postings(PostingKind.ACHIEVEMENT, weights, per_term=per_term, limit=limit)
            assert memory.top_postings(weights, limit=limit) == expected
    assert any(index.top_postings(PostingKind.ACHIEVEMENT, q, per_term=per_term, limit=100) for q in queries)
    assert memory.rows == sum(min(len(ids), per_term) for ids, _w in memory.lists.values())
