from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Refit the matcher's calibration and re-ranking weights on brokers' decisions (approved / rejected "
        "proposals), save it as a new version and print its cross-validated log-loss beside the current "
        "calibration's; --activate makes it the active one (roll back in the Django admin, Learned models)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--activate", action="store_true")
        parser.add_argument("--generic", action="store_true", help="also recount the generic words from the index")

    def handle(self, *args, activate=False, generic=False, **options):
        from matching import learning

        if generic:
            model = learning.generic_refresh()
            self.stdout.write(f"generic words: {model.version if model else 'index empty'}")
        try:
            model = learning.calibration_learn(activate=activate)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        m = model.metrics
        self.stdout.write(
            f"calibration {model.version}: {m['decisions']} decisions ({m['approved']} approved); "
            f"5-fold log-loss {m['cv_log_loss']} vs current {m['current_log_loss']} ({m['current_version']}); "
            + ("active" if model.active else "saved, not active")
        )
