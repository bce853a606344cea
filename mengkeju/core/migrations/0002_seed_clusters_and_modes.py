from django.db import migrations

CLUSTERS = [
    # code, Chinese name, English name
    ("agri-food", "绿色农畜产品加工", "Green agricultural and livestock product processing"),
    ("new-materials", "新材料", "New materials"),
    ("new-energy", "新能源", "New energy"),
    ("biomedicine", "生物医药", "Biomedicine"),
    ("next-gen-it", "新一代信息技术", "Next-generation information technology"),
    ("equipment", "现代装备制造", "Modern equipment manufacturing"),
    ("chemicals", "现代化工", "Modern chemical industry"),
]
RELATED = [
    ("new-materials", "chemicals"),
    ("new-energy", "new-materials"),
    ("new-energy", "equipment"),
    ("agri-food", "biomedicine"),
    ("next-gen-it", "equipment"),
]
MODES = [
    ("transfer", "技术转让", "Technology transfer"),
    ("license", "技术许可", "Licensing"),
    ("joint-development", "合作开发", "Joint development"),
    ("commissioned-development", "委托开发", "Commissioned development"),
    ("consulting", "技术咨询", "Technical consulting"),
    ("service", "技术服务", "Technical service"),
    ("equity", "作价入股", "Equity investment"),
]


def forward(apps, schema_editor):
    IndustryCluster = apps.get_model("core", "IndustryCluster")
    CooperationMode = apps.get_model("core", "CooperationMode")
    by_code = {}
    for order, (code, zh, en) in enumerate(CLUSTERS):
        by_code[code], _ = IndustryCluster.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": order}
        )
    for a, b in RELATED:
        by_code[a].related.add(by_code[b])
    for order, (code, zh, en) in enumerate(MODES):
        CooperationMode.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": order})


def reverse(apps, schema_editor):
    apps.get_model("core", "CooperationMode").objects.filter(code__in=[m[0] for m in MODES]).delete()
    apps.get_model("core", "IndustryCluster").objects.filter(code__in=[c[0] for c in CLUSTERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
