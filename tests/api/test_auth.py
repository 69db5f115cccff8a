"""Authentication: personal tokens, the browser session with CSRF, and anonymous reading."""

import datetime

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from filiera.core.audit import history
from filiera.core.models import ApiToken
from filiera.core.services import create_api_token, revoke_api_token
from filiera.directory.models import Organisation

NEW_ORGANISATION = {"name": "Token Test Srl", "country": "IT", "kind": "sme"}


def bearer(raw: str, **options) -> Client:
    return Client(headers={"authorization": f"Bearer {raw}"}, **options)


@pytest.mark.django_db
def test_a_valid_token_authenticates_its_user(staff, member, org_a):
    _, raw = create_api_token(staff, "cli")
    response = bearer(raw).get("/api/people")
    assert response.status_code == 200
    assert response.json()["count"] == 1  # the member's person record, seen by the cluster's staff
    token = ApiToken.objects.get(user=staff)
    assert token.last_used_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("header", [
    "Bearer fil_unknown-token-value",
    "Bearer not-even-our-format",
    "Bearer ",
    "Token fil_whatever",
    "Basic YWRtaW46cGFzc3dvcmQ=",
])
def test_a_bad_authorization_header_is_401_even_for_public_reading(cluster_a, header):
    response = Client(headers={"authorization": header}).get("/api/clusters")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


@pytest.mark.django_db
def test_a_revoked_token_is_401(staff, cluster_a):
    token, raw = create_api_token(staff, "old laptop")
    assert bearer(raw).get("/api/clusters/alpha/memberships").status_code == 200
    assert revoke_api_token(staff, token.pk)
    assert bearer(raw).get("/api/clusters/alpha/memberships").status_code == 401
    assert bearer(raw).get("/api/clusters").status_code == 401


@pytest.mark.django_db
def test_an_expired_token_or_an_inactive_user_is_401(staff, cluster_a):
    token, raw = create_api_token(staff, "short-lived")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert bearer(raw).get("/api/clusters").status_code == 401
    _, raw = create_api_token(staff, "other")
    assert bearer(raw).get("/api/clusters").status_code == 200
    staff.is_active = False
    staff.save()
    assert bearer(raw).get("/api/clusters").status_code == 401


@pytest.mark.django_db
def test_a_bad_token_does_not_fall_back_to_the_session(as_user, admin):
    client = as_user(admin)
    assert client.get("/api/people").status_code == 200
    response = client.get("/api/people", headers={"authorization": "Bearer fil_revoked-or-wrong"})
    assert response.status_code == 401


@pytest.mark.django_db
def test_visitors_read_but_never_write(client, cluster_a, org_a, opportunity_a):
    assert client.get("/api/clusters").status_code == 200
    assert client.get(f"/api/organisations/{org_a.pk}").status_code == 200
    assert client.post("/api/organisations", NEW_ORGANISATION, content_type="application/json").status_code == 401
    assert client.patch(f"/api/organisations/{org_a.pk}", {"city": "Parma"},
                        content_type="application/json").status_code == 401
    assert client.delete(f"/api/opportunities/{opportunity_a.pk}").status_code == 401
    # even with CSRF checks on (a real browser without a session): 401, not a CSRF 403
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/api/organisations", NEW_ORGANISATION, content_type="application/json").status_code == 401
    assert not Organisation.objects.filter(name="Token Test Srl").exists()


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(admin):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    assert browser.get("/api/people").status_code == 200  # reading needs no CSRF token
    response = browser.post("/api/organisations", NEW_ORGANISATION, content_type="application/json")
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="Token Test Srl").exists()

    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    response = browser.post("/api/organisations", NEW_ORGANISATION, content_type="application/json",
                            headers={"x-csrftoken": secret})
    assert response.status_code == 201, response.content
    assert Organisation.objects.filter(name="Token Test Srl").exists()


@pytest.mark.django_db
def test_token_writes_need_no_csrf_token(admin):
    _, raw = create_api_token(admin, "script")
    response = bearer(raw, enforce_csrf_checks=True).post(
        "/api/organisations", NEW_ORGANISATION, content_type="application/json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_the_token_users_attribution_ends_with_the_call(member, org_a):
    _, raw = create_api_token(member, "cli")
    assert bearer(raw).patch(f"/api/organisations/{org_a.pk}", {"city": "Ferrara"},
                             content_type="application/json").status_code == 200
    assert history("directory.organisation", org_a.pk).first().actor == member
    # a change made after the call, outside any request, is not the token user's
    organisation = Organisation.objects.get(pk=org_a.pk)
    organisation.city = "Rimini"
    organisation.save()
    latest = history("directory.organisation", org_a.pk).first()
    assert latest.changes["city"] == ["Ferrara", "Rimini"]
    assert latest.actor is None
