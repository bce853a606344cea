"""The search-quality set (search_quality.py) on the current backend: both passes of ``make test`` run it,
so every case holds on SQLite (FTS5) and PostgreSQL (GIN over tsvector)."""

import pytest

from achievements.models import Achievement
from mengkeju.postings.search import search
from needs.models import TechnicalNeed
from tests.factories import AchievementFactory, NeedFactory

from .search_quality import CASES, POSTINGS

pytestmark = pytest.mark.django_db

MODELS = {"need": TechnicalNeed, "achievement": Achievement}


def test_the_set_is_large_and_well_formed():
    assert len(CASES) >= 100
    for kind, query, must, must_not in CASES:
        for key in must | must_not:
            assert POSTINGS[key][0] == kind, (query, key)
        assert not must & must_not, query


@pytest.fixture
def corpus(org_a, uni_u):
    ids = {}
    for key, (kind, title, keywords, description) in POSTINGS.items():
        factory, org = (NeedFactory, org_a) if kind == "need" else (AchievementFactory, uni_u)
        posting = factory(organization=org, title=title, keywords=keywords, description=description)
        ids[kind, posting.pk] = key
    return ids


def test_every_case_of_the_search_quality_set(corpus):
    failures = []
    for kind, query, must, must_not in CASES:
        model = MODELS[kind]
        found = {corpus[kind, pk] for pk in search(model.objects.all(), query).values_list("pk", flat=True)}
        if not must and not must_not:  # punctuation only: no filter, no error
            assert len(found) == model.objects.count(), query
            continue
        missing, wrong = must - found, must_not & found
        if missing or wrong:
            failures.append(f"{kind} q={query!r}: missing {sorted(missing)}, must not find {sorted(wrong)}")
    assert not failures, "\n".join(failures)
