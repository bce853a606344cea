"""The concept layer's page: admins add, edit and switch off problem → technology relations, brokers read
them, everyone else is refused; every change is in the history with who and when, and the matcher uses the
change on its next match (its knowledge version changes)."""

import pytest
from django.urls import reverse
from django.utils import translation

from matching import knowledge, services
from matching.models import ConceptLink, ConceptLinkChange, PostingKind
from mengkeju.lib.textanalysis import default_analyzer

NOT_BROKER = ("owner", "colleague", "outsider", "researcher", "researcher_outsider")
HEATING = {"cluster": "新能源", "problem": "屋里|取暖 冷|煤", "technology": "热泵、清洁供暖", "note": "北方冬季采暖"}


def _version() -> str:
    return knowledge.knowledge_version(knowledge.concept_layer(default_analyzer()), knowledge.calibrator())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, method, needs_link",
    [
        ("matching:concepts", "get", False),
        ("matching:concepts", "post", False),
        ("matching:concept_edit", "get", True),
        ("matching:concept_edit", "post", True),
        ("matching:concept_active", "post", True),
    ],
)
def test_only_brokers_read_and_only_admins_change_the_concept_layer(name, method, needs_link, cast, client_for):
    link = ConceptLink.objects.order_by("pk").first()  # the starter set is installed by a migration
    url = reverse(name, args=[link.pk] if needs_link else [])
    data = {**HEATING, "active": "0"} if method == "post" else None
    before = (ConceptLink.objects.count(), ConceptLinkChange.objects.count(), link.active, link.problem)

    response = getattr(client_for(cast["anonymous"]), method)(url, data)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    for who in NOT_BROKER:
        assert getattr(client_for(cast[who]), method)(url, data).status_code == 403, who
    broker = getattr(client_for(cast["broker"]), method)(url, data)
    assert broker.status_code == (200 if method == "get" else 403)
    link.refresh_from_db()
    assert (ConceptLink.objects.count(), ConceptLinkChange.objects.count(), link.active, link.problem) == before


@pytest.mark.django_db
def test_brokers_read_the_relations_per_cluster_without_editing_controls(cast, client_for):
    with translation.override("zh-hans"):
        html = client_for(cast["broker"]).get(reverse("matching:concepts"), {"cluster": "新材料"}).content.decode()
    assert "沥青" in html  # the starter relation 路面|沥青 … → 沥青改性 of 新材料
    assert 'name="technology"' not in html  # no form to add a relation
    assert "/active/" not in html  # no switch
    shown = ConceptLink.objects.filter(cluster="新材料").count()
    assert f"{shown} 条关联" in html


@pytest.mark.django_db
def test_admin_adds_edits_and_switches_off_a_relation_and_the_history_says_who_and_when(cast, client_for):
    admin = client_for(cast["admin"])
    ConceptLink.objects.filter(technology__contains="热泵").delete()
    response = admin.post(reverse("matching:concepts"), HEATING)
    assert response.status_code == 302
    link = ConceptLink.objects.get(problem="屋里|取暖 冷|煤")
    assert (link.cluster, link.technology, link.active) == ("新能源", "热泵、清洁供暖", True)

    response = admin.post(reverse("matching:concept_edit", args=[link.pk]), {**HEATING, "technology": "热泵，建筑保温"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.technology == "热泵、建筑保温"  # separators read as the matcher reads them
    admin.post(reverse("matching:concept_active", args=[link.pk]), {"active": "0"})
    link.refresh_from_db()
    assert not link.active

    changes = list(link.changes.order_by("at", "id"))
    assert [c.action for c in changes] == ["created", "edited", "disabled"]
    assert all(c.user == cast["admin"] and c.at for c in changes)
    assert changes[1].before["technology"] == "热泵、清洁供暖" and changes[1].after["technology"] == "热泵、建筑保温"
    with translation.override("zh-hans"):
        html = admin.get(reverse("matching:concept_edit", args=[link.pk])).content.decode()
    assert "热泵、清洁供暖" in html and "热泵、建筑保温" in html  # before and after
    assert cast["admin"].display_name in html
    assert "已停用" in html or "停用" in html


@pytest.mark.django_db
def test_the_add_form_is_one_tap_away_and_the_history_names_every_cluster(cast, client_for):
    """On a phone the add form sits below ~800 relations: the page's first lines link to it. A relation for
    every cluster reads 全部产业集群 in the history, not the stored "*"."""
    admin = client_for(cast["admin"])
    admin.post(reverse("matching:concepts"), {**HEATING, "cluster": "*"})
    with translation.override("zh-hans"):
        html = admin.get(reverse("matching:concepts")).content.decode()
    assert 'href="#add-relation"' in html and 'id="add-relation"' in html
    history = html.split("最近的修改", 1)[-1] if "最近的修改" in html else html
    assert "全部产业集群 · 屋里|取暖 冷|煤" in history
    assert "<td>* ·" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, field",
    [
        ({**HEATING, "problem": "   "}, "problem"),
        ({**HEATING, "problem": "| 冷"}, "problem"),
        ({**HEATING, "problem": "屋里 || 冷"}, "problem"),
        ({**HEATING, "technology": "、、"}, "technology"),
        ({**HEATING, "technology": "泵"}, "technology"),
        ({**HEATING, "cluster": "不存在的产业"}, "cluster"),
    ],
)
def test_a_bad_relation_is_refused_on_its_field_and_nothing_is_saved(data, field, cast, client_for):
    before = (ConceptLink.objects.count(), ConceptLinkChange.objects.count())
    with translation.override("zh-hans"):
        response = client_for(cast["admin"]).post(reverse("matching:concepts"), data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert f'id="field-{field}"' in response.content.decode()
    assert (ConceptLink.objects.count(), ConceptLinkChange.objects.count()) == before


@pytest.mark.django_db
def test_cues_and_terms_are_stored_as_the_matcher_reads_them(cast, client_for):
    ConceptLink.objects.filter(technology__contains="热泵").delete()
    data = {**HEATING, "problem": " 屋里｜取暖|   冷|煤| ", "technology": "热泵，清洁供暖；  建筑保温"}
    assert client_for(cast["admin"]).post(reverse("matching:concepts"), data).status_code == 302
    link = ConceptLink.objects.get(technology__contains="热泵")
    assert (link.problem, link.technology) == ("屋里|取暖 冷|煤", "热泵、清洁供暖、建筑保温")


@pytest.mark.django_db
def test_the_same_relation_twice_is_refused(cast, client_for):
    admin = client_for(cast["admin"])
    ConceptLink.objects.filter(technology__contains="热泵").delete()
    assert admin.post(reverse("matching:concepts"), HEATING).status_code == 302
    again = admin.post(reverse("matching:concepts"), {**HEATING, "technology": "热泵 、 清洁供暖"})
    assert again.status_code == 200 and again.context["form"].errors["technology"]
    assert ConceptLink.objects.filter(problem=HEATING["problem"]).count() == 1


@pytest.mark.django_db
def test_a_change_on_the_page_changes_the_next_match_and_the_knowledge_version(cast, client_for, heating_pair):
    need, ach = heating_pair
    ConceptLink.objects.all().delete()  # a concept layer that knows nothing of heating yet
    for kind in (PostingKind.ACHIEVEMENT, PostingKind.NEED):
        services.index_refresh(kind=kind)
    assert not services.rank_for(kind=PostingKind.NEED, posting_id=need.pk)
    version = _version()

    admin = client_for(cast["admin"])
    admin.post(reverse("matching:concepts"), HEATING)
    ranked = services.rank_for(kind=PostingKind.NEED, posting_id=need.pk)
    assert [a for _n, a, _s in ranked] == [ach.pk]
    assert {t["technology"] for t in ranked[0][2].explanation["link_terms"]} >= {"热泵"}
    assert _version() != version
    with_link = _version()

    link = ConceptLink.objects.get(problem=HEATING["problem"])
    admin.post(reverse("matching:concept_active", args=[link.pk]), {"active": "0"})
    assert not services.rank_for(kind=PostingKind.NEED, posting_id=need.pk)
    assert _version() == version != with_link  # switched off: the matcher is back to what it was


@pytest.mark.django_db
def test_changes_in_the_django_admin_join_the_same_history(cast, client_for):
    admin = client_for(cast["admin"])
    link = ConceptLink.objects.order_by("pk").first()
    url = reverse("admin:matching_conceptlink_change", args=[link.pk])
    data = {"cluster": link.cluster, "problem": link.problem, "technology": link.technology + "、新术语", "note": ""}
    assert admin.post(url, {**data, "active": "on"}).status_code == 302
    admin.post(reverse("admin:matching_conceptlink_delete", args=[link.pk]), {"post": "yes"})
    assert not ConceptLink.objects.filter(pk=link.pk).exists()
    changes = list(ConceptLinkChange.objects.order_by("at", "id"))
    assert [c.action for c in changes] == ["edited", "deleted"]
    assert changes[0].after["technology"].endswith("新术语") and changes[1].before["technology"].endswith("新术语")
    assert all(c.user == cast["admin"] for c in changes)


@pytest.mark.django_db
def test_the_history_cannot_be_rewritten_in_the_django_admin(cast, client_for):
    link = services.concept_link_set_active(
        link=ConceptLink.objects.order_by("pk").first(), active=False, user=cast["admin"]
    )
    change = link.changes.get()
    admin = client_for(cast["admin"])
    assert admin.get(reverse("admin:matching_conceptlinkchange_changelist")).status_code == 200
    assert (
        admin.post(reverse("admin:matching_conceptlinkchange_delete", args=[change.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert ConceptLinkChange.objects.filter(pk=change.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "problem, technology, field",
    [
        ("智能 控制", "空气源热泵", "problem"),  # fires on every need that says 智能 and 控制
        ("智能|控制", "空气源热泵", "problem"),
        ("系统|技术 方法", "空气源热泵", "problem"),
        ("屋里 冷", "系统、技术", "technology"),  # no proposal can rest on these
        ("冻胀 路基", "系统、技术", "technology"),  # 技术 is a stop word of the analyser, not in the list
        ("冻胀 路基", "研究、应用、新型", "technology"),
        ("屋里 冷", "智能控制", "technology"),  # a compound of generic words only
    ],
)
def test_a_relation_resting_only_on_generic_words_is_refused(problem, technology, field):
    """A newcomer added 智能 控制 → 系统、技术: the need form then "recognised" 智能、控制 and suggested the
    keyword 技术, right under the warning that the need's keywords were too general."""
    from django.core.exceptions import ValidationError

    from matching import services

    with pytest.raises(ValidationError) as refused:
        services.concept_link_save(user=None, cluster="新能源", problem=problem, technology=technology)
    assert set(refused.value.message_dict) == {field}
    assert "通用词" in refused.value.message_dict[field][0]  # the reason, in the default language
    assert not ConceptLink.objects.filter(problem=problem).exists()
    # a generic cue beside a specific one, and a generic term beside a specific one, are accepted
    services.concept_link_save(user=None, cluster="新能源", problem="设备 停机|坏", technology="工艺优化、振动监测")
    services.concept_link_save(user=None, cluster="新能源", problem="冻胀 路基", technology="技术、热棒")
