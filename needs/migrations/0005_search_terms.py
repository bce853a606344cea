from django.db import migrations


def reindex(apps, schema_editor):
    """Library search terms with character n-grams; the SQLite FTS5 index (mengkeju/postings/search.py)."""
    from mengkeju.postings.migrations_search import reindex

    reindex(
        apps,
        schema_editor,
        app_label="needs",
        model_name="TechnicalNeed",
        public_text=lambda row: row.public_summary if row.confidential else row.description,
    )


class Migration(migrations.Migration):
    dependencies = [("needs", "0004_amount_bounds")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
