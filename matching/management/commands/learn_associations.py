from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Learn the corpus term associations (PPMI + SVD over the words of every indexed need and achievement) "
        "again and save them as a new version; --activate makes it the active one. The matcher uses the active "
        "version only when MATCHING_ASSOCIATIONS is on (off by default: docs/matching.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--activate", action="store_true")

    def handle(self, *args, activate=False, **options):
        from matching import learning

        model = learning.associations_refresh(activate=activate)
        m = model.metrics
        state = "active" if model.active else "saved, not active"
        used = "used by the matcher" if settings.MATCHING_ASSOCIATIONS else "not used: MATCHING_ASSOCIATIONS is off"
        self.stdout.write(
            f"associations {model.version}: {m.get('postings', 0)} postings, {m.get('vocabulary', 0)} words, "
            f"{m.get('words_with_associations', 0)} with associations, {m.get('seconds')} s; {state} ({used})"
        )
