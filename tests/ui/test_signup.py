"""Sign-up: grouped fields, a searchable picker, values kept after an error, consent recorded, and an
organization's business licence checked by content and shown only to admins and its members."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mengkeju.core.legal import LEGAL_VERSION
from mengkeju.core.models import Organization, Role, User
from tests.factories import UniversityFactory, UserFactory, credit_code

pytestmark = pytest.mark.django_db
PASSWORD = "Caoyuan-Keji-2026!"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def data(**extra):
    return {
        "username": "newcomer",
        "display_name": "新用户",
        "email": "newcomer@example.com",
        "phone": "0471-1234567",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "role": Role.ENTERPRISE,
        "organization_choice": "register",
        "org_name": "鄂尔多斯新材料有限公司",
        "org_kind": "enterprise",
        "org_region": "鄂尔多斯",
        "org_credit_code": credit_code(777),
        "accept_terms": "on",
        **extra,
    }


def test_the_page_groups_join_and_register_fields_and_links_the_terms(client):
    html = client.get(reverse("accounts:signup")).content.decode()
    assert 'data-choice-group="join"' in html and 'data-choice-group="register"' in html
    assert "data-searchable" in html and "js/forms.js" in html
    assert 'href="/terms/"' in html and 'href="/privacy/"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "---------" not in html


def test_consent_is_required_and_recorded_with_version_and_time(client):
    response = client.post(reverse("accounts:signup"), data(accept_terms=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert "请阅读并同意服务条款和隐私政策" in html or "同意" in html
    assert not User.objects.filter(username="newcomer").exists()
    assert client.post(reverse("accounts:signup"), data()).status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.terms_version == LEGAL_VERSION and user.terms_accepted_at is not None


def test_values_are_kept_and_the_error_is_at_its_field(client):
    response = client.post(reverse("accounts:signup"), data(org_credit_code="12345"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="鄂尔多斯新材料有限公司"' in html and 'value="newcomer@example.com"' in html
    field = html.split('id="field-org_credit_code"')[1].split("</div>")[0]
    assert 'class="errorlist"' in field
    assert 'value="register" ' in html.split('id="field-organization_choice"')[1] and "checked" in html


def test_a_business_licence_is_stored_with_the_new_organization(client, admin, client_for, outsider):
    licence = SimpleUploadedFile("执照.pdf", PDF, content_type="application/pdf")
    assert client.post(reverse("accounts:signup"), data(business_licence=licence)).status_code == 302
    org = Organization.objects.get(name="鄂尔多斯新材料有限公司")
    assert org.business_licence.name.endswith(".pdf")
    url = reverse("accounts:organization_licence", args=[org.pk])
    response = client_for(admin).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert client.get(url).status_code == 200  # the newcomer is a member of it
    assert client_for(outsider).get(url).status_code == 404
    moderation = client_for(admin).get(reverse("moderation")).content.decode()
    assert url in moderation


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("licence.pdf", b"MZ\x90\x00 this is an executable", "不是"),
        ("licence.png", b"just text pretending to be a picture", "不是"),
        ("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "5.0"),
    ],
)
def test_a_licence_is_checked_by_content_and_size(client, name, content, message):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(reverse("accounts:signup"), data(business_licence=upload))
    assert response.status_code == 200
    field = response.content.decode().split('id="field-business_licence"')[1].split("</div>")[0]
    assert "errorlist" in field and message in field
    assert not Organization.objects.filter(name="鄂尔多斯新材料有限公司").exists()


def test_members_of_an_unverified_organization_upload_the_licence_on_their_profile(client_for):
    uni = UniversityFactory(verified=False)
    member = UserFactory(organization=uni, role="researcher")
    client = client_for(member)
    assert "营业执照" in client.get(reverse("accounts:profile")).content.decode()
    upload = SimpleUploadedFile("scan.png", PNG, content_type="image/png")
    response = client.post(reverse("accounts:organization_licence_upload"), {"business_licence": upload})
    assert response.status_code == 302
    uni.refresh_from_db()
    assert uni.business_licence.name.endswith(".png")
    bad = SimpleUploadedFile("scan.png", b"<html>", content_type="image/png")
    client.post(reverse("accounts:organization_licence_upload"), {"business_licence": bad})
    uni.refresh_from_db()
    assert uni.business_licence.name.endswith(".png")


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "个人信息保护法"), ("en", "Personal Information Protection Law")]
)
def test_terms_and_privacy_pages(client, language, words):
    client.cookies["django_language"] = language
    privacy = client.get("/privacy/").content.decode()
    assert words in privacy and LEGAL_VERSION in privacy
    assert client.get("/terms/").status_code == 200
