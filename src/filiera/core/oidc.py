"""Optional single sign-on with an OpenID Connect provider (mozilla-django-oidc).

On only when OIDC_RP_CLIENT_ID is set (settings checks the endpoints are there too); otherwise the backend
authenticates nobody and the two routes answer 404. A provider's user is matched to an existing account by a
verified e-mail address (the provider must send `email_verified: true`); an unknown address is refused with a
message unless FILIERA_OIDC_CREATE_USERS is on. Whether the sign-in also counts as the second factor is
FILIERA_OIDC_SATISFIES_2FA (see core/two_factor.py).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from filiera.core import two_factor


def enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


class OIDCBackend(OIDCAuthenticationBackend):
    """Used by core.auth_backends.AccountBackend for the callback; it matches the provider's user to an account."""

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()
        if enabled():  # the parent reads the provider's settings, which exist only when SSO is on
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not enabled() or request is None:
            return None
        return super().authenticate(request, **kwargs)

    def _refuse(self, reason: str):
        self.request.filiera_sso_refusal = reason
        return None

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        email = (claims.get("email") or "").strip()
        if not email or claims.get("email_verified") is not True:
            return self._refuse(_("The sign-in service did not confirm your e-mail address, so it cannot be matched "
                                  "to an account. Sign in with your username and password."))
        users = list(self.UserModel.objects.filter(email__iexact=email))
        if len(users) > 1:
            return self._refuse(_("Several accounts use the e-mail address %(email)s; ask the cluster staff to "
                                  "sort this out, and meanwhile sign in with your username and password.")
                                % {"email": email})
        if users:
            user = users[0]
            if not user.is_active:
                return self._refuse(_("The account with this e-mail address is disabled."))
            return user
        if not settings.OIDC_CREATE_USER:
            return self._refuse(_("No Filiera account uses the e-mail address %(email)s. Ask the cluster staff to "
                                  "add it to your account, or apply for membership.") % {"email": email})
        return self.create_user(claims)

    def create_user(self, claims):
        user = self.UserModel.objects.create_user(
            self.get_username(claims), email=claims["email"].strip(),
            first_name=claims.get("given_name", "")[:150], last_name=claims.get("family_name", "")[:150])
        return user


class StartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (404 when single sign-on is off)."""

    def __init__(self, *args, **kwargs):
        if enabled():
            super().__init__(*args, **kwargs)

    def get(self, request):
        if not enabled():
            raise Http404
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here; sign in, or back to the sign-in page with the reason."""

    def get(self, request):
        if not enabled():
            raise Http404
        return super().get(request)

    def login_failure(self):
        reason = getattr(self.request, "filiera_sso_refusal", None)
        messages.error(self.request, reason or _("Signing in through %(provider)s did not work. Try again, or "
                                                 "sign in with your username and password.")
                       % {"provider": settings.OIDC_PROVIDER_NAME})
        return HttpResponseRedirect(reverse("login"))

    def login_success(self):
        response = super().login_success()
        self.request.session[two_factor.SSO_VERIFIED_SESSION_KEY] = True
        return response
