from django.db import migrations


def reindex(apps, schema_editor):
    """Library search terms with character n-grams; the SQLite FTS5 index (mengkeju/postings/search.py)."""
    from mengkeju.postings.migrations_search import reindex

    reindex(
        apps,
        schema_editor,
        app_label="achievements",
        model_name="Achievement",
        public_text=lambda row: row.description,
    )


class Migration(migrations.Migration):
    dependencies = [("achievements", "0005_amount_bounds")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
