from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from mengkeju.lib.migrations import PostgreSQLOnly


class Migration(migrations.Migration):
    dependencies = [("achievements", "0002_initial")]
    operations = [
        # library search: to_tsvector('simple', search_tokens) @@ query (see mengkeju/postings/search.py)
        PostgreSQLOnly(
            migrations.AddIndex(
                model_name="achievement",
                index=GinIndex(SearchVector("search_tokens", config="simple"), name="achievements_search_gin"),
            )
        ),
    ]
