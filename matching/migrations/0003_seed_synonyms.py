from django.db import migrations


def forward(apps, schema_editor):
    from mengkeju.lib.textanalysis import seed_synonyms, starter_synonyms

    seed_synonyms(apps.get_model("matching", "Synonym"), starter_synonyms())


def reverse(apps, schema_editor):
    from mengkeju.lib.textanalysis import starter_synonyms, unseed_synonyms

    unseed_synonyms(apps.get_model("matching", "Synonym"), starter_synonyms())


class Migration(migrations.Migration):
    dependencies = [("matching", "0002_index_tables")]
    operations = [migrations.RunPython(forward, reverse)]
