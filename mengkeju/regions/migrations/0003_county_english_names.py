"""English names of Inner Mongolia's 103 旗县区, so that pages in English name them too (the 12 盟市 and the
region have theirs since 0002).  The official romanisation: Hanyu Pinyin for Chinese names (新城区 Xincheng
District), the established Mongolian-based spellings where the State Council's place-name standard uses
them (土默特左旗 Tumed Left Banner, 准格尔旗 Jungar Banner, 锡林浩特市 Xilinhot City); 旗 is a Banner, 县 a
County, 区 a District, a county-level 市 a City.  A name an admin has already entered is kept."""

from django.db import migrations

COUNTY_NAMES_EN = {
    # 呼和浩特市 Hohhot
    "150102": "Xincheng District", "150103": "Huimin District", "150104": "Yuquan District",
    "150105": "Saihan District", "150121": "Tumed Left Banner", "150122": "Togtoh County",
    "150123": "Horinger County", "150124": "Qingshuihe County", "150125": "Wuchuan County",
    # 包头市 Baotou
    "150202": "Donghe District", "150203": "Kundulun District", "150204": "Qingshan District",
    "150205": "Shiguai District", "150206": "Bayan Obo Mining District", "150207": "Jiuyuan District",
    "150221": "Tumed Right Banner", "150222": "Guyang County", "150223": "Darhan Muminggan United Banner",
    # 乌海市 Wuhai
    "150302": "Haibowan District", "150303": "Hainan District", "150304": "Wuda District",
    # 赤峰市 Chifeng
    "150402": "Hongshan District", "150403": "Yuanbaoshan District", "150404": "Songshan District",
    "150421": "Ar Horqin Banner", "150422": "Bairin Left Banner", "150423": "Bairin Right Banner",
    "150424": "Linxi County", "150425": "Hexigten Banner", "150426": "Ongniud Banner",
    "150428": "Harqin Banner", "150429": "Ningcheng County", "150430": "Aohan Banner",
    # 通辽市 Tongliao
    "150502": "Horqin District", "150521": "Horqin Left Middle Banner", "150522": "Horqin Left Rear Banner",
    "150523": "Kailu County", "150524": "Hure Banner", "150525": "Naiman Banner", "150526": "Jarud Banner",
    "150581": "Holingol City",
    # 鄂尔多斯市 Ordos
    "150602": "Dongsheng District", "150603": "Kangbashi District", "150621": "Dalad Banner",
    "150622": "Jungar Banner", "150623": "Otog Front Banner", "150624": "Otog Banner",
    "150625": "Hanggin Banner", "150626": "Uxin Banner", "150627": "Ejin Horo Banner",
    # 呼伦贝尔市 Hulunbuir
    "150702": "Hailar District", "150703": "Jalainur District", "150721": "Arun Banner",
    "150722": "Morin Dawa Daur Autonomous Banner", "150723": "Oroqen Autonomous Banner",
    "150724": "Evenk Autonomous Banner", "150725": "Old Barag Banner", "150726": "New Barag Left Banner",
    "150727": "New Barag Right Banner", "150781": "Manzhouli City", "150782": "Yakeshi City",
    "150783": "Zalantun City", "150784": "Ergun City", "150785": "Genhe City",
    # 巴彦淖尔市 Bayannur
    "150802": "Linhe District", "150821": "Wuyuan County", "150822": "Dengkou County",
    "150823": "Urad Front Banner", "150824": "Urad Middle Banner", "150825": "Urad Rear Banner",
    "150826": "Hanggin Rear Banner",
    # 乌兰察布市 Ulanqab
    "150902": "Jining District", "150921": "Zhuozi County", "150922": "Huade County",
    "150923": "Shangdu County", "150924": "Xinghe County", "150925": "Liangcheng County",
    "150926": "Chahar Right Front Banner", "150927": "Chahar Right Middle Banner",
    "150928": "Chahar Right Rear Banner", "150929": "Siziwang Banner", "150981": "Fengzhen City",
    # 兴安盟 Hinggan League
    "152201": "Ulanhot City", "152202": "Arxan City", "152221": "Horqin Right Front Banner",
    "152222": "Horqin Right Middle Banner", "152223": "Jalaid Banner", "152224": "Tuquan County",
    # 锡林郭勒盟 Xilingol League
    "152501": "Erenhot City", "152502": "Xilinhot City", "152522": "Abag Banner",
    "152523": "Sonid Left Banner", "152524": "Sonid Right Banner", "152525": "East Ujimqin Banner",
    "152526": "West Ujimqin Banner", "152527": "Taibus Banner", "152528": "Xianghuang Banner",
    "152529": "Zhengxiangbai Banner", "152530": "Zhenglan Banner", "152531": "Duolun County",
    # 阿拉善盟 Alxa League
    "152921": "Alxa Left Banner", "152922": "Alxa Right Banner", "152923": "Ejin Banner",
}  # fmt: skip


def forward(apps, schema_editor):
    Division = apps.get_model("regions", "Division")
    for code, name_en in COUNTY_NAMES_EN.items():
        Division.objects.filter(code=code, name_en="").update(name_en=name_en)


def backward(apps, schema_editor):
    Division = apps.get_model("regions", "Division")
    for code, name_en in COUNTY_NAMES_EN.items():
        Division.objects.filter(code=code, name_en=name_en).update(name_en="")


class Migration(migrations.Migration):
    dependencies = [("regions", "0002_seed_inner_mongolia")]
    operations = [migrations.RunPython(forward, backward)]
