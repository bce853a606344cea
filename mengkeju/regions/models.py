"""Administrative divisions as a tree: 自治区 (region) → 盟市 (league or city) → 旗县区 (banner, county,
district).  Seeded for Inner Mongolia by a data migration and editable in the Django admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.core.models import BilingualNameMixin


class Level(models.TextChoices):
    PROVINCE = "province", _("Autonomous region / province (自治区)")
    PREFECTURE = "prefecture", _("League / city (盟市)")
    COUNTY = "county", _("Banner / county / district (旗县区)")


class Division(BilingualNameMixin, models.Model):
    """One administrative division; ``code`` is its GB/T 2260 six-digit code (150000 = 内蒙古自治区)."""

    code = models.CharField(_("code"), max_length=12, unique=True, help_text=_("GB/T 2260 code, e.g. 150100."))
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    aliases = models.CharField(
        _("other names"),
        max_length=200,
        blank=True,
        help_text=_("Other spellings that mean this division, separated by commas (e.g. 呼市, 锡盟)."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("，", ",").replace("、", ",").split(",") if a.strip()]
