"""Candidates' parsed features are kept per process (matching.side_cache); an edit is seen at once and
the ranking is the same as without the cache."""

import pytest

from matching import services
from matching.models import PostingKind
from matching.side_cache import side_cache


def ranking(need_id):
    return [(a, s.score, s.explanation) for _n, a, s in services.rank_for(kind="need", posting_id=need_id)]


@pytest.fixture
def cache(settings):
    settings.MATCHING_SIDE_CACHE = 50
    side_cache().clear()
    yield side_cache()
    side_cache().clear()


@pytest.mark.django_db
def test_the_ranking_with_the_cache_equals_the_ranking_without(indexed, cache, settings):
    need = indexed["need"].pk
    first, again = ranking(need), ranking(need)
    assert cache.hits > 0  # the second ranking read its candidates from the cache
    settings.MATCHING_SIDE_CACHE = 0
    assert ranking(need) == first == again
    assert {a for a, _s, _e in first} >= {indexed["hit"].pk, indexed["cross"].pk}


@pytest.mark.django_db
def test_an_edited_achievement_is_ranked_by_its_new_text_in_the_same_process(indexed, cache):
    need, hit = indexed["need"], indexed["hit"]
    assert hit.pk in {a for a, _s, _e in ranking(need.pk)}
    hit.title, hit.description, hit.keywords = "高铝粉煤灰提取氧化铝", "以粉煤灰为原料提取氧化铝。", ["粉煤灰"]
    hit.save()
    services.postings_index(kind=PostingKind.ACHIEVEMENT, postings=services.published("achievement").filter(pk=hit.pk))
    assert hit.pk not in {a for a, _s, _e in ranking(need.pk)}


@pytest.mark.django_db
def test_the_cache_keeps_at_most_its_size(indexed, cache, settings):
    settings.MATCHING_SIDE_CACHE = 2
    ranking(indexed["need"].pk)
    assert len(side_cache()) <= 2
