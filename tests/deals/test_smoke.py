import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_render(client_for, broker, admin, proposal, need):
    c = client_for(broker)
    assert c.get(reverse("deals:queue")).status_code == 200
    r = c.get(reverse("deals:match", args=[proposal.pk]))
    assert r.status_code == 200, r.content[:2000]
    assert c.get(reverse("deals:challenges")).status_code == 200
    assert c.get(reverse("dashboard:public")).status_code == 200
    assert c.get(reverse("dashboard:admin")).status_code == 200
    assert c.get(reverse("notifications:list")).status_code == 200
    assert client_for(admin).get(reverse("deals:export_matches")).status_code == 200
    assert client_for(admin).get(reverse("deals:export_deals")).status_code == 200
    assert c.get(need.get_absolute_url()).status_code == 200
