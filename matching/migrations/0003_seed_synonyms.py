from django.db import migrations


def forward(apps, schema_editor):
    from mengkeju.lib.textanalysis import starter_synonyms

    Synonym = apps.get_model("matching", "Synonym")
    existing = set(Synonym.objects.values_list("term", "synonym"))
    rows = []
    for term, synonym, note in starter_synonyms():
        if term == synonym or (term, synonym) in existing or (synonym, term) in existing:
            continue
        existing.add((term, synonym))
        rows.append(Synonym(term=term[:50], synonym=synonym[:50], note=note[:200]))
    Synonym.objects.bulk_create(rows)


def reverse(apps, schema_editor):
    from mengkeju.lib.textanalysis import starter_synonyms

    Synonym = apps.get_model("matching", "Synonym")
    for term, synonym, _note in starter_synonyms():
        Synonym.objects.filter(term=term, synonym=synonym).delete()


class Migration(migrations.Migration):
    dependencies = [("matching", "0002_index_tables")]
    operations = [migrations.RunPython(forward, reverse)]
