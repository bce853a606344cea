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
