from django.db import migrations


def forward(apps, schema_editor):
    from matching.concepts import starter_links

    ConceptLink = apps.get_model("matching", "ConceptLink")
    existing = set(ConceptLink.objects.values_list("cluster", "problem", "technology"))
    rows = []
    for link in starter_links():
        key = (link.cluster[:40], link.problem[:200], link.technology[:300])
        if key in existing:
            continue
        existing.add(key)
        rows.append(ConceptLink(cluster=key[0], problem=key[1], technology=key[2], note=link.note[:200]))
    ConceptLink.objects.bulk_create(rows)


def reverse(apps, schema_editor):
    apps.get_model("matching", "ConceptLink").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("matching", "0010_concepts_learned_models")]
    operations = [migrations.RunPython(forward, reverse)]
