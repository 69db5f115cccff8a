"""The privacy pages through the HTTP stack: the notice, a user's own data, the staff's export, erasure and
retention pages; who gets a 404, who is refused, who may."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from filiera.core.models import AuditEntry, User
from filiera.directory.models import Membership, Organisation, Person
from filiera.privacy.models import Erasure
from tests.conftest import client_for
from tests.privacy.conftest import EMAIL, unzip


def _export_url(person):
    return f"/c/alpha/privacy/people/{person.pk}/export/"


def _erase_url(person):
    return f"/c/alpha/privacy/people/{person.pk}/erase/"


def test_privacy_notice_is_public_and_reads_the_settings(db, settings, client):
    settings.FILIERA_RETENTION_MONTHS = 18
    settings.FILIERA_PRIVACY_CONTACT = "dpo@cluster.example"
    response = client.get("/privacy/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "18 months after" in text and "mailto:dpo@cluster.example" in text and "legal bases" in text
    assert 'href="/privacy/"' in client.get("/").content.decode()  # linked from the footer


def test_staff_person_page_shows_the_consent_history_and_the_actions(contact, staff):
    response = client_for(staff).get(f"/c/alpha/people/{contact.pk}/")
    text = response.content.decode()
    assert "Consent history" in text and "Listed in the public directory" in text
    assert _export_url(contact) in text and _erase_url(contact) in text


@pytest.mark.parametrize("who", ["outsider", "observer", "member", "outsider_member", "contact_user"])
def test_others_get_404_on_the_staff_pages(request, contact, who):
    client = client_for(request.getfixturevalue(who))
    for url in (_export_url(contact), _erase_url(contact), "/c/alpha/privacy/", "/c/alpha/privacy/due.zip"):
        assert client.get(url).status_code == 404, url
    assert client.post(_erase_url(contact), {"export_digest": "0" * 64}).status_code == 404
    assert Person.objects.filter(pk=contact.pk).exists()


def test_visitor_is_sent_to_sign_in(contact, client):
    assert client.get(_export_url(contact))["Location"].startswith("/accounts/login/")
    assert client.get("/privacy/me/export/")["Location"].startswith("/accounts/login/")


def test_staff_export_then_erase(contact, trail, staff):
    client = client_for(staff)
    response = client.get(_export_url(contact))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = unzip(response.content)
    digest = files["manifest.json"]["digest"]
    assert response["X-Export-Digest"] == digest and files["person.json"]["email"] == EMAIL
    # the confirm page is pre-filled with the digest of the export just made
    page = client.get(_erase_url(contact)).content.decode()
    assert f'value="{digest}"' in page
    # a change since the export: refused, with the reason
    Person.objects.filter(pk=contact.pk).update(job_title="Chief")
    response = client.post(_erase_url(contact), {"export_digest": digest}, follow=True)
    assert "export again" in response.content.decode() and Person.objects.filter(pk=contact.pk).exists()
    digest = client.get(_export_url(contact))["X-Export-Digest"]
    response = client.post(_erase_url(contact), {"export_digest": digest})
    assert response.status_code == 302 and response["Location"] == "/c/alpha/people/"
    assert not Person.objects.filter(pk=contact.pk).exists()
    erasure = Erasure.objects.get()
    assert erasure.requested_by == staff and erasure.export_digest == digest
    assert AuditEntry.objects.get(model="privacy.erasure").actor == staff


def test_account_page_offers_the_personal_data_section(contact_user):
    text = client_for(contact_user).get("/accounts/").content.decode()
    assert "Your personal data" in text and "/privacy/me/export/" in text and "/privacy/me/erase/" in text


def test_a_person_exports_and_erases_their_own_account(contact, trail, contact_user):
    client = client_for(contact_user)
    response = client.get("/privacy/me/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = unzip(response.content)
    assert files["person.json"]["id"] == contact.pk and files["account.json"]["username"] == "giulia"
    digest = files["manifest.json"]["digest"]
    assert f'value="{digest}"' in client.get("/privacy/me/erase/").content.decode()
    # without the confirmation box, nothing happens
    client.post("/privacy/me/erase/", {"export_digest": digest})
    assert Person.objects.filter(pk=contact.pk).exists()
    response = client.post("/privacy/me/erase/", {"export_digest": digest, "confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not Person.objects.filter(pk=contact.pk).exists()
    assert not User.objects.get(pk=contact_user.pk).is_active
    assert client.get("/accounts/").status_code == 302  # signed out


def test_retention_page_lists_the_cluster_people_due_and_erases_them(staff, cluster_a, cluster_b, outsider):
    long_ago = timezone.localdate() - datetime.timedelta(days=900)
    org = Organisation.objects.create(slug="gone", name="Gone Srl", country="IT")
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.LAPSED, ended_on=long_ago)
    due = Person.objects.create(organisation=org, first_name="Old", last_name="Contact")
    client = client_for(staff)
    text = client.get("/c/alpha/privacy/").content.decode()
    assert "Old Contact" in text and "Gone Srl" in text
    assert "Gone Srl" not in client_for(outsider).get("/c/beta/privacy/").content.decode()
    refused = client.post("/c/alpha/privacy/erase-due/", {"export_digest": "0" * 64}, follow=True)
    assert "export again" in refused.content.decode() and Person.objects.filter(pk=due.pk).exists()
    response = client.get("/c/alpha/privacy/due.zip")
    files = unzip_outer(response.content)
    assert set(files) == {"manifest.json", f"person-{due.pk}.zip"}
    assert f'value="{response["X-Export-Digest"]}"' in client.get("/c/alpha/privacy/").content.decode()
    client.post("/c/alpha/privacy/erase-due/", {"export_digest": response["X-Export-Digest"]})
    assert not Person.objects.filter(pk=due.pk).exists()


def unzip_outer(content: bytes) -> dict[str, bytes]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
