from django.db import migrations


def ensure(apps, schema_editor):
    """PostgreSQL: stored search_vector + trigger + GIN index (mengkeju/postings/search.py); no-op on SQLite."""
    from mengkeju.postings.migrations_search import vector_ensure

    vector_ensure(apps, schema_editor, app_label="needs", model_name="TechnicalNeed")


class Migration(migrations.Migration):
    dependencies = [("needs", "0005_search_terms")]
    operations = [migrations.RunPython(ensure, migrations.RunPython.noop, elidable=True)]
