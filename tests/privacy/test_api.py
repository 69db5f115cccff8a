"""The privacy API: export, erasure, consents and the caller's own export; 404 for whom the person is hidden,
403 for who sees them but may not."""

from __future__ import annotations

from filiera.directory.models import Person
from filiera.privacy.models import ConsentRecord, Erasure
from tests.privacy.conftest import unzip


def test_export_answers_a_zip_to_the_staff(contact, trail, staff, as_token):
    response = as_token(staff).get(f"/api/people/{contact.pk}/export")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = unzip(response.content)
    assert files["manifest.json"]["digest"] == response["X-Export-Digest"]
    assert files["person.json"]["last_name"] == "Verdi"


def test_hidden_is_404_and_seen_but_not_allowed_is_403(contact, outsider, observer, member, as_token):
    for user in (outsider, observer, None):
        client = as_token(user)
        expected = 401 if user is None else 404
        assert client.get(f"/api/people/{contact.pk}/export").status_code == expected
        assert client.post(f"/api/people/{contact.pk}/erasure", {"export_digest": "0" * 64},
                           content_type="application/json").status_code == expected
        assert client.get(f"/api/people/{contact.pk}/consents").status_code == expected
    # the representative of the organisation sees its contacts but does not export or erase them
    client = as_token(member)
    assert client.get(f"/api/people/{contact.pk}/export").status_code == 403
    assert client.post(f"/api/people/{contact.pk}/erasure", {"export_digest": "0" * 64},
                       content_type="application/json").status_code == 403
    assert client.get("/api/people/999999/export").status_code == 404


def test_erasure_refused_after_a_change_then_done(contact, trail, staff, as_token):
    client = as_token(staff)
    digest = client.get(f"/api/people/{contact.pk}/export")["X-Export-Digest"]
    Person.objects.filter(pk=contact.pk).update(phone="+39 000")
    response = client.post(f"/api/people/{contact.pk}/erasure", {"export_digest": digest},
                           content_type="application/json")
    assert response.status_code == 400 and "export again" in response.json()["detail"]
    digest = client.get(f"/api/people/{contact.pk}/export")["X-Export-Digest"]
    response = client.post(f"/api/people/{contact.pk}/erasure", {"export_digest": digest},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["person_id"] == contact.pk and body["export_digest"] == digest
    assert body["counts"]["registrations_anonymised"] == 1
    assert Erasure.objects.get().requested_by == staff
    assert client.get(f"/api/people/{contact.pk}/export").status_code == 404


def test_consents_listed_and_recorded(contact, member, contact_user, outsider, as_token):
    client = as_token(member)
    response = client.get(f"/api/people/{contact.pk}/consents")
    assert response.status_code == 200
    assert [(c["purpose"], c["given"], c["source"]) for c in response.json()] == [("directory", True, "staff")]
    response = client.post(f"/api/people/{contact.pk}/consents", {"purpose": "directory", "given": False},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()[0]["given"] is False
    # the person themselves, who is no representative, sees and changes their own consents
    mine = as_token(contact_user)
    response = mine.post(f"/api/people/{contact.pk}/consents", {"purpose": "newsletter", "given": True},
                         content_type="application/json")
    assert response.status_code == 201 and response.json()[0]["source"] == "self"
    assert len(mine.get(f"/api/people/{contact.pk}/consents").json()) == 3
    contact.refresh_from_db()
    assert contact.consent_directory_at is None and contact.consent_newsletter_at is not None
    assert as_token(outsider).post(f"/api/people/{contact.pk}/consents", {"purpose": "newsletter", "given": False},
                                   content_type="application/json").status_code == 404
    bad = client.post(f"/api/people/{contact.pk}/consents", {"purpose": "telepathy", "given": True},
                      content_type="application/json")
    assert bad.status_code in (400, 422)
    assert ConsentRecord.objects.filter(person=contact).count() == 3


def test_me_export(contact, contact_user, as_token):
    response = as_token(contact_user).get("/api/me/export")
    assert response.status_code == 200
    files = unzip(response.content)
    assert files["account.json"]["username"] == "giulia" and files["person.json"]["id"] == contact.pk
    # the token the call used is in the export, yet the digest does not depend on its use
    assert files["account.json"]["api_tokens"][0]["name"] == "tests"
    assert as_token(None).get("/api/me/export").status_code == 401
