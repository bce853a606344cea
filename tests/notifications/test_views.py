import pytest
from django.urls import reverse

from mengkeju.notifications import services
from mengkeju.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(owner):
    return services.notify(
        recipients=[owner],
        kind=NotificationKind.MATCH_APPROVED,
        data={"need": "秸秆饲料化需求", "achievement": "秸秆发酵成果"},
        url="/deals/matches/1/",
        email=False,
    ) + services.notify(recipients=[owner], kind=NotificationKind.DEAL_STAGE, data={"stage": "contacted"}, email=False)


def test_unread_count_in_the_navigation(client_for, owner, outsider, notes):
    text = client_for(owner).get(reverse("home")).content.decode()
    assert reverse("notifications:list") in text and '<span class="badge proposed" title=' in text
    assert ">2</span>" in text
    assert '<span class="badge proposed" title=' not in client_for(outsider).get(reverse("home")).content.decode()
    assert reverse("notifications:list") not in client_for(None).get(reverse("home")).content.decode()


def test_list_open_and_read_all(client_for, owner, notes):
    client = client_for(owner)
    assert "秸秆饲料化需求" in client.get(reverse("notifications:list")).content.decode()
    response = client.post(reverse("notifications:open", args=[notes[0].pk]))
    assert response["Location"] == "/deals/matches/1/"
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_others_notifications_are_404(client_for, outsider, notes):
    assert client_for(outsider).post(reverse("notifications:open", args=[notes[0].pk])).status_code == 404
    client_for(outsider).post(reverse("notifications:read_all"))
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_anonymous_is_sent_to_login(client_for, notes):
    for url in (reverse("notifications:list"),):
        assert "/accounts/login/" in client_for(None).get(url)["Location"]
    assert "/accounts/login/" in client_for(None).post(reverse("notifications:read_all"))["Location"]
