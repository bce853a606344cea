"""A synonym pair is one row in either order, enforced by the database (concurrent adds)."""

from django.db import migrations, models
from django.db.models.functions import Greatest, Least


def drop_reversed_duplicates(apps, schema_editor):
    Synonym = apps.get_model("matching", "Synonym")
    seen = set()
    for row in Synonym.objects.order_by("pk"):
        key = tuple(sorted((row.term, row.synonym)))
        if key in seen:
            row.delete()
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0007_matchrun_chunks"),
    ]

    operations = [
        migrations.RunPython(drop_reversed_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="synonym",
            constraint=models.UniqueConstraint(
                Least("term", "synonym"), Greatest("term", "synonym"), name="matching_synonym_either_order"
            ),
        ),
    ]
