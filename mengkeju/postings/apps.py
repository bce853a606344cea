from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PostingsConfig(AppConfig):
    name = "mengkeju.postings"
    label = "postings"
    verbose_name = _("Postings")

    def ready(self):
        from .migrations_search import ensure_after_migrate

        # SQLite only: keep the FTS5 search index's triggers in place after every migrate
        post_migrate.connect(ensure_after_migrate, dispatch_uid="postings_fts_ensure")
