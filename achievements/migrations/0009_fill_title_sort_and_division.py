from django.db import migrations

from mengkeju.postings.migration_fill import fill_title_sort_and_division


def forward(apps, schema_editor):
    fill_title_sort_and_division(apps, "achievements", "achievement")


class Migration(migrations.Migration):
    dependencies = [("achievements", "0008_division_title_sort"), ("regions", "0002_seed_inner_mongolia")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
