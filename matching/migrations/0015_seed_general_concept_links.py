"""Adds the second starter set of the concept layer (``matching/data/concepts_general.tsv``) to a
database seeded before it existed; relations already there (same cluster, problem and technology) are
left as the admins keep them, and a fresh database got them from 0011 already."""

from django.db import migrations


def forward(apps, schema_editor):
    from matching.concepts import GENERAL, starter_links

    ConceptLink = apps.get_model("matching", "ConceptLink")
    existing = set(ConceptLink.objects.values_list("cluster", "problem", "technology"))
    rows = []
    for link in starter_links(GENERAL):
        key = (link.cluster[:40], link.problem[:200], link.technology[:300])
        if key in existing:
            continue
        existing.add(key)
        rows.append(ConceptLink(cluster=key[0], problem=key[1], technology=key[2], note=link.note[:200]))
    ConceptLink.objects.bulk_create(rows)


def reverse(apps, schema_editor):
    from matching.concepts import GENERAL, starter_links

    ConceptLink = apps.get_model("matching", "ConceptLink")
    for link in starter_links(GENERAL):
        ConceptLink.objects.filter(
            cluster=link.cluster[:40], problem=link.problem[:200], technology=link.technology[:300]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("matching", "0014_proposal_json_one_parameter_per_value")]
    operations = [migrations.RunPython(forward, reverse)]
