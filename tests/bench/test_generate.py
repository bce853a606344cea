"""bench/generate.py writes valid, deterministic import files of both kinds."""

import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from achievements.models import Achievement
from needs.models import TechnicalNeed

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import generate, write  # noqa: E402


def test_same_seed_same_records_other_seed_other_records():
    assert list(generate("need", 30, seed=1)) == list(generate("need", 30, seed=1))
    assert list(generate("need", 30, seed=1)) != list(generate("need", 30, seed=2))


def test_the_records_mix_scripts_latin_terms_and_lengths():
    records = list(generate("achievement", 600, seed=4))
    texts = [r["title"] + r["description"] for r in records]
    assert any("纖" in t or "術" in t or "資" in t for t in texts)  # some traditional script
    assert any("316L" in t or "PLC" in t or "5G" in t or "3D打印" in t for t in texts)
    lengths = sorted(len(r["description"]) for r in records)
    assert lengths[len(lengths) // 10] * 4 < lengths[-len(lengths) // 10]  # short and long texts


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        next(generate("patent", 1))


@pytest.mark.django_db
@pytest.mark.parametrize("kind, model", [("need", TechnicalNeed), ("achievement", Achievement)])
def test_generated_files_import_and_publish(kind, model, tmp_path):
    path = tmp_path / f"{kind}s.jsonl"
    assert write(kind, 40, path, seed=9) == 40
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 40
    call_command("import_postings", str(path), kind=kind, publish=True, verbosity=0)
    assert model.objects.filter(status="published", external_id__startswith="G-").count() == 40
    first = json.loads(lines[0])
    assert model.objects.get(external_id=first["external_id"]).title == first["title"]


def test_a_minority_of_needs_ask_for_a_topic_that_achievements_offer():
    """Needs are not copies of achievements: only the related share (plus keywords that several papers
    happen to share) names a keyword that some achievement also lists."""
    offered = {k for r in generate("achievement", 3000, seed=1) for k in r["keywords"]}
    needs = list(generate("need", 300, seed=2))
    shared = sum(1 for r in needs if set(r["keywords"]) & offered) / len(needs)
    assert 0.3 < shared < 0.7
    assert all(r["title"] not in {a["title"] for a in generate("achievement", 300, seed=1)} for r in needs[:20])
