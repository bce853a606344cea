"""Organization names compared after normalisation (name_key), and one-time form tokens."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_name_keys(apps, schema_editor):
    from mengkeju.lib.hidden import name_key

    Organization = apps.get_model("core", "Organization")
    seen = set()
    for organization in Organization.objects.order_by("-verified", "pk"):
        key = name_key(organization.name)
        if key in seen:  # a look-alike registered earlier: keep it apart, an admin merges it by hand
            key = f"{key}#{organization.pk}"
        seen.add(key)
        Organization.objects.filter(pk=organization.pk).update(name_key=key[:200])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="name_key",
            field=models.CharField(editable=False, max_length=200, null=True, verbose_name="name for comparison"),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organization",
            name="name_key",
            field=models.CharField(editable=False, max_length=200, unique=True, verbose_name="name for comparison"),
        ),
        migrations.CreateModel(
            name="FormSubmission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.UUIDField(verbose_name="form token")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="time")),
                ("target_id", models.PositiveBigIntegerField(blank=True, null=True, verbose_name="target ID")),
                (
                    "target_type",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                        verbose_name="target type",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL, verbose_name="user"
                    ),
                ),
            ],
            options={
                "verbose_name": "form submission",
                "verbose_name_plural": "form submissions",
                "constraints": [models.UniqueConstraint(fields=("user", "token"), name="core_formsubmission_once")],
            },
        ),
    ]
