from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "mengkeju.regions"
    label = "regions"
    verbose_name = _("Regions")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Division
        from .tree import region_tree_forget

        post_save.connect(region_tree_forget, sender=Division, dispatch_uid="regions-forget-tree-save")
        post_delete.connect(region_tree_forget, sender=Division, dispatch_uid="regions-forget-tree-delete")
