"""Adds the third starter set of the concept layer (``matching/data/concepts_third.tsv``) to a database
seeded before it existed; relations already there (same cluster, problem and technology) are left as the
admins keep them, and a fresh database got them from 0011 already."""

from django.db import migrations


def forward(apps, schema_editor):
    from matching.concepts import THIRD, seed, starter_links

    seed(apps.get_model("matching", "ConceptLink"), starter_links(THIRD))


def reverse(apps, schema_editor):
    from matching.concepts import THIRD, starter_links, unseed

    unseed(apps.get_model("matching", "ConceptLink"), starter_links(THIRD))


class Migration(migrations.Migration):
    dependencies = [("matching", "0015_seed_general_concept_links")]
    operations = [migrations.RunPython(forward, reverse)]
