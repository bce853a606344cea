from django.db import migrations


def forward(apps, schema_editor):
    from mengkeju.lib.textanalysis import seed_synonyms, starter_synonyms

    seed_synonyms(apps.get_model("matching", "Synonym"), starter_synonyms())


def reverse(apps, schema_editor):
    from mengkeju.lib.textanalysis import starter_synonyms

    Synonym = apps.get_model("matching", "Synonym")
    for term, synonym, _note in starter_synonyms():
        Synonym.objects.filter(term=term, synonym=synonym).delete()


class Migration(migrations.Migration):
    dependencies = [("matching", "0002_index_tables")]
    operations = [migrations.RunPython(forward, reverse)]
