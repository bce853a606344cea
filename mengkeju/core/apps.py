from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "mengkeju.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self):
        from .roles import sync_role_groups

        # Like Django's own create_permissions: groups must exist in every database, test ones included.
        post_migrate.connect(sync_role_groups, dispatch_uid="mengkeju.core.sync_role_groups")
