from django.db import migrations


def forward(apps, schema_editor):
    from matching.concepts import seed, starter_links

    seed(apps.get_model("matching", "ConceptLink"), starter_links())


def reverse(apps, schema_editor):
    apps.get_model("matching", "ConceptLink").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("matching", "0010_concepts_learned_models")]
    operations = [migrations.RunPython(forward, reverse)]
