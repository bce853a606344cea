from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self):
        # The analyser reads synonyms from the Synonym table, lazily (never at start-up), and notices
        # changes through a cheap version query (count and last update), checked every 30 s at most.
        from mengkeju.lib.textanalysis import register_synonym_source

        from . import selectors

        register_synonym_source(selectors.synonym_pairs, version=selectors.synonyms_version)

        # explanations name cooperation modes in the reader's language from one read of the modes per request
        from django.core.signals import request_started
        from django.db.models.signals import post_delete, post_save

        from mengkeju.core.models import CooperationMode

        from .explain import forget_modes

        request_started.connect(forget_modes, dispatch_uid="explain-forget-modes")
        post_save.connect(forget_modes, sender=CooperationMode, dispatch_uid="explain-forget-modes-save")
        post_delete.connect(forget_modes, sender=CooperationMode, dispatch_uid="explain-forget-modes-delete")
