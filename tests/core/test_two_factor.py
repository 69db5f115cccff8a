"""Two-factor authentication: enrolment, the code step at sign-in, backup codes, disabling, the staff policy and
the lockout of guessing. Codes are computed with django-otp's own TOTP, as an authenticator app would."""

import re
from base64 import b32encode

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from filiera.core import two_factor
from filiera.core.services import create_api_token
from tests.conftest import PASSWORD, client_for

VERIFY = "/accounts/two-factor/verify/"
ENROL = "/accounts/two-factor/enrol/"


def code_for(device: TOTPDevice, shift: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + shift):0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    right = {code_for(device, shift) for shift in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device


def sign_in(username: str, client: Client | None = None, **extra):
    client = client or Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD, "next": "/accounts/"},
                           **extra)
    return client, response


@pytest.fixture
def no_throttle(settings):
    """django-otp makes each attempt after a wrong code wait 1, 2, 4… seconds; most tests are about other things."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.mark.django_db
def test_enrolment_shows_the_qr_code_and_the_key_and_needs_a_right_code(member, no_throttle):
    client = client_for(member)
    page = client.get(ENROL)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    html = page.content.decode()
    assert "<svg" in html
    secret = b32encode(device.bin_key).decode()
    assert secret[:4] + " " + secret[4:8] in html  # typed in groups of four
    assert client.get(ENROL).status_code == 200
    assert TOTPDevice.objects.filter(user=member).count() == 1  # a reload keeps the same key (the QR stays valid)

    wrong = client.post(ENROL, {"code": wrong_code_for(device)})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert not two_factor.has_authenticator(member)

    right = client.post(ENROL, {"code": code_for(device), "next": "/directory/"})
    assert right.status_code == 302 and right.url.startswith("/accounts/two-factor/backup-codes/")
    assert two_factor.has_authenticator(member)
    codes_page = client.get(right.url).content.decode()
    codes = re.findall(r'<li class="col">(\w+)</li>', codes_page)
    assert len(codes) == 10 == two_factor.remaining_backup_codes(member)
    assert 'href="/directory/"' in codes_page
    assert client.get("/accounts/two-factor/backup-codes/").status_code == 302  # shown once
    assert client.get("/accounts/").status_code == 200  # the enrolling session is verified


@pytest.mark.django_db
def test_sign_in_asks_for_the_code_after_the_password(member, no_throttle):
    device = enrolled(member)
    client, response = sign_in("member")
    assert response.status_code == 302 and response.url == f"{VERIFY}?next=%2Faccounts%2F"
    # Until the code is given, every page leads back to the code step, and the API refuses the session.
    page = client.get("/directory/")
    assert page.status_code == 302 and page.url.startswith(VERIFY)
    assert client.get("/api/clusters").status_code == 401

    wrong = client.post(VERIFY, {"code": wrong_code_for(device), "next": "/accounts/"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert client.get("/accounts/").status_code == 302

    right = client.post(VERIFY, {"code": code_for(device), "next": "/accounts/"})
    assert right.status_code == 302 and right.url == "/accounts/"
    assert client.get("/accounts/").status_code == 200
    assert client.get("/api/clusters").status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_makes_the_next_attempt_wait(member):
    device = enrolled(member)
    client, _response = sign_in("member")
    client.post(VERIFY, {"code": wrong_code_for(device)})
    throttled = client.post(VERIFY, {"code": code_for(device)})
    assert throttled.status_code == 400
    assert "Too many wrong codes in a row" in throttled.content.decode()
    assert client.get("/accounts/").status_code == 302


@pytest.mark.django_db
def test_guessing_codes_locks_the_account_out(member, settings, no_throttle):
    settings.AXES_FAILURE_LIMIT = 3
    device = enrolled(member)
    client, _response = sign_in("member")
    statuses = [client.post(VERIFY, {"code": wrong_code_for(device)}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    locked = client.post(VERIFY, {"code": code_for(device)})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    assert client.get("/accounts/").status_code == 302  # still not verified
    # The password step is locked too, for this username from this address.
    _client, again = sign_in("member")
    assert again.status_code == 429


@pytest.mark.django_db
def test_a_backup_code_works_once(member, no_throttle):
    enrolled(member)
    code = two_factor.new_backup_codes(member)[0]
    client, _response = sign_in("member")
    assert client.post(VERIFY, {"code": code.upper()}).status_code == 302
    assert client.get("/accounts/").status_code == 200
    assert two_factor.remaining_backup_codes(member) == 9
    assert not StaticToken.objects.filter(token=code).exists()

    other, _response = sign_in("member")
    assert other.post(VERIFY, {"code": code}).status_code == 400
    assert other.get("/accounts/").status_code == 302


@pytest.mark.django_db
def test_new_backup_codes_replace_the_old_ones(member, no_throttle):
    device = enrolled(member)
    old = two_factor.new_backup_codes(member)
    client, _response = sign_in("member")
    client.post(VERIFY, {"code": code_for(device)})
    response = client.post("/accounts/two-factor/backup-codes/")
    assert response.status_code == 302
    new = re.findall(r'<li class="col">(\w+)</li>', client.get(response.url).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=member).values_list("token", flat=True)) == set(new)


@pytest.mark.django_db
def test_an_unverified_session_cannot_change_the_second_factor(member):
    enrolled(member)
    client, _response = sign_in("member")
    for method, path in [("get", ENROL), ("post", ENROL), ("get", "/accounts/two-factor/"),
                         ("post", "/accounts/two-factor/backup-codes/"), ("post", "/accounts/two-factor/disable/")]:
        response = getattr(client, method)(path, {"code": "123456"} if method == "post" else None)
        assert response.status_code == 302 and response.url.startswith(VERIFY), path
    assert TOTPDevice.objects.filter(user=member).count() == 1


@pytest.mark.django_db
def test_disabling_needs_a_right_code(member, no_throttle):
    device = enrolled(member)
    two_factor.new_backup_codes(member)
    client, _response = sign_in("member")
    client.post(VERIFY, {"code": code_for(device, -1)})
    client.post("/accounts/two-factor/disable/", {"code": wrong_code_for(device)})
    assert two_factor.has_authenticator(member)
    client.post("/accounts/two-factor/disable/", {"code": code_for(device)})
    assert not two_factor.has_authenticator(member)
    assert two_factor.remaining_backup_codes(member) == 0
    _client, response = sign_in("member")
    assert response.url == "/accounts/"  # no code step any more


@pytest.mark.django_db
def test_the_required_policy_sends_staff_to_enrol_but_not_members(settings, staff, manager, admin, observer,
                                                                  member, cluster_a):
    settings.FILIERA_STAFF_2FA = "required"
    for user in (staff, manager, admin):
        client = client_for(user)
        response = client.get("/c/alpha/")
        assert response.status_code == 302 and response.url == f"{ENROL}?next=%2Fc%2Falpha%2F", user
        assert client.get("/api/clusters").status_code == 401
        # Open on the way: the enrolment page itself, the language switch, signing out.
        assert client.get(ENROL).status_code == 200
        assert client.post("/i18n/setlang/", {"language": "it", "next": "/"}).status_code == 302
        assert client.post("/accounts/logout/").status_code == 302
    for user in (member, observer):
        assert client_for(user).get("/accounts/").status_code == 200, user
        assert client_for(user).get("/api/clusters").status_code == 200, user
    # htmx requests are sent to the page with htmx's own redirect header.
    response = client_for(staff).get("/c/alpha/", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"].startswith(ENROL)


@pytest.mark.django_db
def test_required_staff_cannot_turn_it_off_but_can_use_it(settings, staff, no_throttle):
    settings.FILIERA_STAFF_2FA = "required"
    device = enrolled(staff)
    client, response = sign_in("staff")
    assert response.url.startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/c/alpha/").status_code == 200
    client.post("/accounts/two-factor/disable/", {"code": code_for(device, 1)})
    assert two_factor.has_authenticator(staff)


@pytest.mark.django_db
def test_personal_tokens_of_staff_are_not_affected(settings, staff, cluster_a):
    """A token is created from a verified session; it authenticates on its own (documented in docs/deployment.md)."""
    settings.FILIERA_STAFF_2FA = "required"
    _token, raw = create_api_token(staff, "cli")
    response = Client(headers={"authorization": f"Bearer {raw}"}).get("/api/clusters/alpha/memberships")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_account_page_links_to_two_factor(member):
    assert 'href="/accounts/two-factor/"' in client_for(member).get("/accounts/").content.decode()
