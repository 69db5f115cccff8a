"""Single sign-on with OpenID Connect: the real flow through mozilla-django-oidc with only the provider's HTTP
answers (token and userinfo endpoints) replaced, and an ID token signed as the provider would (HS256)."""

import base64
import hashlib
import hmac
import json
import time
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from filiera.core import two_factor
from tests.conftest import client_for

SECRET = "provider-shared-secret-for-hs256"
PROVIDER = "https://login.example.org/realms/health/protocol/openid-connect"


@pytest.fixture
def sso(settings):
    settings.OIDC_RP_CLIENT_ID = "filiera"
    settings.OIDC_RP_CLIENT_SECRET = SECRET
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{PROVIDER}/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{PROVIDER}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{PROVIDER}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = None
    settings.OIDC_PROVIDER_NAME = "Regione Login"
    return settings


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def id_token(nonce: str, email: str) -> str:
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    now = int(time.time())
    payload = b64(json.dumps({"iss": PROVIDER, "sub": "user-1", "aud": "filiera", "iat": now, "exp": now + 300,
                              "nonce": nonce, "email": email}).encode())
    signature = hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def sign_in_through_provider(client: Client, userinfo: dict, next_url: str = "/accounts/"):
    """Start at Filiera, 'come back' from the provider with a code; returns the callback's response."""
    start = client.get("/accounts/sso/start/", {"next": next_url})
    assert start.status_code == 302 and start.url.startswith(f"{PROVIDER}/auth?")
    query = parse_qs(urlparse(start.url).query)
    assert query["client_id"] == ["filiera"]
    assert query["redirect_uri"] == ["http://testserver/accounts/sso/callback/"]
    token_answer = mock.Mock(status_code=200, headers={"content-type": "application/json"})
    token_answer.json.return_value = {"id_token": id_token(query["nonce"][0], userinfo.get("email", "")),
                                      "access_token": "access-token"}
    userinfo_answer = mock.Mock(status_code=200, headers={"content-type": "application/json"})
    userinfo_answer.json.return_value = userinfo
    with mock.patch("mozilla_django_oidc.auth.requests.post", return_value=token_answer) as post, \
            mock.patch("mozilla_django_oidc.auth.requests.get", return_value=userinfo_answer) as get:
        response = client.get("/accounts/sso/callback/", {"code": "the-code", "state": query["state"][0]})
    assert post.call_args.args[0] == f"{PROVIDER}/token"
    assert post.call_args.kwargs["data"]["code"] == "the-code"
    assert get.call_args.args[0] == f"{PROVIDER}/userinfo"
    return response


@pytest.mark.django_db
def test_a_user_with_a_verified_known_email_signs_in(sso, member):
    client = Client()
    response = sign_in_through_provider(client, {"email": "MEMBER@example.org", "email_verified": True})
    assert response.status_code == 302 and response.url == "/accounts/"
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.get("/accounts/").status_code == 200


@pytest.mark.django_db
def test_an_unknown_email_is_refused_with_a_message(sso, member):
    client = Client()
    response = sign_in_through_provider(client, {"email": "nobody@example.org", "email_verified": True})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    page = client.get(response.url).content.decode()
    assert "No Filiera account uses the e-mail address nobody@example.org" in page


@pytest.mark.django_db
def test_an_unverified_email_is_refused(sso, member):
    client = Client()
    response = sign_in_through_provider(client, {"email": "member@example.org", "email_verified": False})
    assert "_auth_user_id" not in client.session
    assert "did not confirm your e-mail address" in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_accounts_are_created_only_when_allowed(sso, db):
    from filiera.core.models import User

    sso.OIDC_CREATE_USER = True
    client = Client()
    sign_in_through_provider(client, {"email": "new.person@example.org", "email_verified": True,
                                      "given_name": "Nuova", "family_name": "Persona"})
    user = User.objects.get(email="new.person@example.org")
    assert (user.first_name, user.last_name) == ("Nuova", "Persona")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_the_sign_in_page_offers_the_provider_only_when_configured(sso, db):
    assert "Sign in with Regione Login" in Client().get("/accounts/login/").content.decode()
    sso.OIDC_RP_CLIENT_ID = ""
    assert "Sign in with" not in Client().get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_without_configuration_the_routes_are_404(db):
    client = Client()
    assert client.get("/accounts/sso/start/").status_code == 404
    assert client.get("/accounts/sso/callback/", {"code": "x", "state": "y"}).status_code == 404
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("satisfies", [False, True])
def test_whether_sso_counts_as_the_second_factor_is_a_setting(sso, staff, cluster_a, satisfies):
    sso.FILIERA_STAFF_2FA = "required"
    sso.FILIERA_OIDC_SATISFIES_2FA = satisfies
    client = Client()
    response = sign_in_through_provider(client, {"email": "staff@example.org", "email_verified": True}, "/c/alpha/")
    assert response.url == "/c/alpha/"
    page = client.get("/c/alpha/")
    if satisfies:
        assert page.status_code == 200
    else:
        assert page.status_code == 302 and page.url.startswith("/accounts/two-factor/enrol/")


@pytest.mark.django_db
def test_a_password_sign_in_drops_the_sso_mark(sso, staff, cluster_a):
    sso.FILIERA_STAFF_2FA = "required"
    sso.FILIERA_OIDC_SATISFIES_2FA = True
    client = client_for(staff)
    session = client.session
    session[two_factor.SSO_VERIFIED_SESSION_KEY] = True
    session.save()
    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert two_factor.SSO_VERIFIED_SESSION_KEY not in client.session
    assert client.get("/c/alpha/").status_code == 302
