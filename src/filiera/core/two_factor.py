"""Two-factor authentication: an authenticator app (TOTP) and single-use backup codes, with django-otp.

A user enrols by scanning a QR code (or typing the secret) and confirming one code; ten backup codes are then
shown once. At sign-in, after the password, the session is only "verified" once a code is accepted
(django-otp keeps the device in the session). Policy (settings.FILIERA_STAFF_2FA):
- "required": cluster staff and managers and superusers must enrol and verify before any other page, and the
  API refuses their unverified session (personal API tokens stay valid: they can only be created from a
  verified session);
- "optional": anyone may enrol; whoever has enrolled must verify at sign-in.
A sign-in through the OpenID Connect provider counts as verified when FILIERA_OIDC_SATISFIES_2FA is on.
"""

from __future__ import annotations

import logging
from base64 import b32encode
from dataclasses import dataclass

import django_otp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from filiera.core.models import ClusterRole

log = logging.getLogger("filiera.security")

BACKUP_CODE_COUNT = 10
SSO_VERIFIED_SESSION_KEY = "filiera_sso_verified"
TOTP_NAME = "authenticator"
BACKUP_NAME = "backup codes"


def policy_requires(user) -> bool:
    """Whether this user must use two-factor authentication."""
    if settings.FILIERA_STAFF_2FA != "required" or not user.is_authenticated:
        return False
    staff_roles = (ClusterRole.Role.STAFF, ClusterRole.Role.MANAGER)
    return user.is_superuser or ClusterRole.objects.filter(user=user, role__in=staff_roles).exists()


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request) -> bool:
    """The signed-in session passed the second factor (or the provider's sign-in stands for it)."""
    user = request.user
    if getattr(user, "is_verified", None) and user.is_verified():
        return True
    return settings.FILIERA_OIDC_SATISFIES_2FA and bool(request.session.get(SSO_VERIFIED_SESSION_KEY))


def pending_step(request) -> str | None:
    """What a signed-in session still has to do before it counts: "verify" (a code of its authenticator),
    "enrol" (the policy requires an authenticator it does not have yet) or nothing. One query for most users."""
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return None
    if has_authenticator(user):
        return "verify"
    return "enrol" if policy_requires(user) else None


def must_verify(request) -> bool:
    """A signed-in session that has to pass the second factor before it counts."""
    return pending_step(request) is not None


def pending_authenticator(user) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (the same one on a reload, so the QR code stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, as authenticator apps expect it typed
    qr_svg: str  # an inline <svg> of the otpauth:// URL


def enrolment_for(device: TOTPDevice) -> Enrolment:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(device.config_url, error="m")
    return Enrolment(secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                     qr_svg=qr.svg_inline(scale=4, dark="#212529", title="QR code"))


def _clean(code: str) -> str:
    return "".join(code.split()).lower()


@transaction.atomic
def confirm_authenticator(request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm an enrolment with a code from the app; returns the new backup codes, or None if the code is wrong.
    The session counts as verified from then on."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(_clean(code)):
        return None
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    django_otp.login(request, device)
    log.info("two-factor authentication enabled for user %s", device.user_id)
    return new_backup_codes(device.user)


@transaction.atomic
def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes by ten new single-use ones (shown once)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def remaining_backup_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def throttle_wait(device) -> int:
    """Seconds before this device accepts another attempt (0: now)."""
    allowed, info = device.verify_is_allowed()
    locked_until = None if allowed else (info or {}).get("locked_until")
    if locked_until is None:
        return 0
    return max(1, int((locked_until - timezone.now()).total_seconds()) + 1)


@dataclass(frozen=True)
class Attempt:
    device: object | None  # the device that accepted the code
    wait_seconds: int = 0  # > 0: too many wrong codes in a row, try again after this


def verify(request, code: str) -> Attempt:
    """Check a code from the authenticator app or a backup code; on success the session is verified.
    Each wrong code makes the next attempt wait longer (django-otp's throttling: 1, 2, 4, … seconds)."""
    user = request.user
    code = _clean(code)
    wait = 0
    if code:
        for device in django_otp.devices_for_user(user, confirmed=True):
            device_wait = throttle_wait(device)
            if device_wait:
                wait = max(wait, device_wait)
                continue
            accepted = django_otp.verify_token(user, device.persistent_id, code)
            if accepted is not None:
                django_otp.login(request, accepted)
                return Attempt(device=accepted)
    return Attempt(device=None, wait_seconds=wait)


@transaction.atomic
def disable(user) -> None:
    """Remove the authenticator and the backup codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    log.info("two-factor authentication disabled for user %s", user.pk)
