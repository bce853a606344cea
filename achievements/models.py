from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.core.models import Role
from mengkeju.lib.money import wan_display
from mengkeju.postings.models import Posting, validate_amount_wan


class Maturity(models.TextChoices):
    LAB = "lab", _("Laboratory (实验室)")
    BENCH = "bench", _("Bench scale (小试)")
    PILOT = "pilot", _("Pilot scale (中试)")
    INDUSTRIAL = "industrial", _("Industrialised (产业化)")


MATURITY_BY_CHINESE = {
    "实验室": Maturity.LAB,
    "小试": Maturity.BENCH,
    "中试": Maturity.PILOT,
    "产业化": Maturity.INDUSTRIAL,
}


class IPType(models.TextChoices):
    INVENTION_PATENT = "invention_patent", _("Invention patent (发明专利)")
    UTILITY_MODEL = "utility_model", _("Utility model (实用新型)")
    DESIGN_PATENT = "design_patent", _("Design patent (外观设计)")
    SOFTWARE = "software", _("Software copyright (软件著作权)")
    PLANT_VARIETY = "plant_variety", _("New plant variety (植物新品种)")
    IC_LAYOUT = "ic_layout", _("IC layout design (集成电路布图)")
    KNOW_HOW = "know_how", _("Know-how (技术秘密)")
    NONE = "none", _("None")


IP_TYPE_BY_CHINESE = {
    "发明专利": IPType.INVENTION_PATENT,
    "实用新型": IPType.UTILITY_MODEL,
    "实用新型专利": IPType.UTILITY_MODEL,
    "外观设计": IPType.DESIGN_PATENT,
    "软件著作权": IPType.SOFTWARE,
    "植物新品种": IPType.PLANT_VARIETY,
    "植物新品种权": IPType.PLANT_VARIETY,
    "集成电路布图": IPType.IC_LAYOUT,
    "技术秘密": IPType.KNOW_HOW,
    "无": IPType.NONE,
}


class Achievement(Posting):
    """科技成果: a technology a university or institute can transfer."""

    kind = "achievement"
    manager_role = Role.RESEARCHER

    lead_researcher = models.CharField(_("lead researcher"), max_length=100, blank=True)
    team = models.TextField(_("team"), blank=True)
    maturity = models.CharField(_("maturity"), max_length=20, choices=Maturity.choices, default=Maturity.LAB)
    ip_type = models.CharField(_("IP type"), max_length=30, choices=IPType.choices, default=IPType.NONE)
    ip_numbers = models.CharField(_("patent / registration numbers"), max_length=300, blank=True)
    price_wan = models.DecimalField(
        _("asking price (10k CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), validate_amount_wan],
        help_text=_("Leave empty for negotiable."),
    )

    class Meta(Posting.Meta):
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        permissions = [("moderate_achievement", _("Can moderate achievements"))]

    @property
    def price_display(self) -> str:
        if self.price_wan is None:
            return str(_("Negotiable"))
        return wan_display(self.price_wan)
