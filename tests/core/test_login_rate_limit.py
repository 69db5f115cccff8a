"""The sign-in rate limit (django-axes): a username is locked from one address after too many failures; the
address comes from the proxy's X-Forwarded-For only behind the TLS proxy; tokens and other addresses go on."""

import pytest
from django.test import Client, RequestFactory

from filiera.core.security import client_ip
from filiera.core.services import create_api_token
from tests.conftest import PASSWORD


def attempt(client: Client, username: str, password: str, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 5
    return 5


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_username_from_that_address(member, limit):
    client = Client()
    statuses = [attempt(client, "member", "wrong-password").status_code for _ in range(limit)]
    assert statuses == [200] * (limit - 1) + [429]
    locked = attempt(client, "member", PASSWORD)
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many attempts" in html and "Try again in 15 minutes." in html
    assert "_auth_user_id" not in client.session  # the right password does not get through either


@pytest.mark.django_db
def test_the_lockout_page_speaks_the_visitors_language(member, limit):
    client = Client(headers={"accept-language": "it"})
    for _ in range(limit):
        response = attempt(client, "member", "wrong-password")
    assert response.status_code == 429
    assert 'lang="it"' in response.content.decode()


@pytest.mark.django_db
def test_the_lock_holds_only_for_that_username_and_that_address(member, staff, limit):
    for _ in range(limit):
        attempt(Client(), "member", "wrong-password", REMOTE_ADDR="203.0.113.7")
    assert attempt(Client(), "member", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert attempt(Client(), "member", PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 302  # another address
    assert attempt(Client(), "staff", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 302  # another user


@pytest.mark.django_db
def test_behind_the_proxy_the_forwarded_address_counts(member, settings, limit):
    settings.BEHIND_TLS_PROXY = True
    for _ in range(limit):
        attempt(Client(), "member", "wrong-password", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    # The same proxy address, another client behind it: not locked.
    ok = attempt(Client(), "member", PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert ok.status_code == 302
    # A client cannot escape by sending its own X-Forwarded-For: the proxy appends the real address last.
    spoofed = attempt(Client(), "member", PASSWORD, REMOTE_ADDR="127.0.0.1",
                      HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    assert spoofed.status_code == 429


def test_the_forwarded_header_is_ignored_without_the_proxy(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.0.0.1")
    settings.BEHIND_TLS_PROXY = False
    assert client_ip(request) == "203.0.113.7"
    settings.BEHIND_TLS_PROXY = True
    assert client_ip(request) == "10.0.0.1"


@pytest.mark.django_db
def test_a_locked_user_keeps_using_personal_tokens(staff, cluster_a, limit):
    _token, raw = create_api_token(staff, "cli")
    for _ in range(limit):
        attempt(Client(), "staff", "wrong-password")
    assert attempt(Client(), "staff", PASSWORD).status_code == 429
    response = Client(headers={"authorization": f"Bearer {raw}"}).get("/api/clusters/alpha/memberships")
    assert response.status_code == 200


@pytest.mark.django_db
def test_signing_in_without_a_request_is_not_rate_limited(member):
    """Code that authenticates without a request (the test client, the shell) still works."""
    assert Client().login(username="member", password=PASSWORD)
