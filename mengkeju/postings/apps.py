from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PostingsConfig(AppConfig):
    name = "mengkeju.postings"
    label = "postings"
    verbose_name = _("Postings")

    def ready(self):
        from .migrations_search import ensure_after_migrate

        # keep the search index's triggers in place after every migrate (FTS5 on SQLite, tsvector on PostgreSQL)
        # (once per migrate or flush: the signal is sent for every app, this listens to one)
        post_migrate.connect(ensure_after_migrate, sender=self, dispatch_uid="postings_fts_ensure")
