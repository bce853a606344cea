"""Adds the second starter set of the concept layer (``matching/data/concepts_general.tsv``) to a
database seeded before it existed; relations already there (same cluster, problem and technology) are
left as the admins keep them, and a fresh database got them from 0011 already."""

from django.db import migrations


def forward(apps, schema_editor):
    from matching.concepts import GENERAL, seed, starter_links

    seed(apps.get_model("matching", "ConceptLink"), starter_links(GENERAL))


def reverse(apps, schema_editor):
    from matching.concepts import GENERAL, starter_links, unseed

    unseed(apps.get_model("matching", "ConceptLink"), starter_links(GENERAL))


class Migration(migrations.Migration):
    dependencies = [("matching", "0014_proposal_json_one_parameter_per_value")]
    operations = [migrations.RunPython(forward, reverse)]
