"""Adds the colloquial synonym list (``mengkeju/lib/textanalysis/data/synonyms_colloquial.tsv``: everyday
words ↔ technical terms) to a database seeded before it existed; pairs already there in either order are
left as they are, and a fresh database got them from 0003 already. The synonyms' version changes, so the
next full run re-indexes the postings with the new words."""

from django.db import migrations

FILE = "synonyms_colloquial.tsv"


def forward(apps, schema_editor):
    from mengkeju.lib.textanalysis import seed_synonyms, starter_synonyms

    seed_synonyms(apps.get_model("matching", "Synonym"), starter_synonyms([FILE]))


def reverse(apps, schema_editor):
    from mengkeju.lib.textanalysis import starter_synonyms, unseed_synonyms

    unseed_synonyms(apps.get_model("matching", "Synonym"), starter_synonyms([FILE]))


class Migration(migrations.Migration):
    dependencies = [("matching", "0016_seed_third_concept_links")]
    operations = [migrations.RunPython(forward, reverse)]
