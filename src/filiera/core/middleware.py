import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from filiera.core import security, two_factor
from filiera.core.audit import acting_as


class ActorMiddleware:
    """Attribute audited changes made during a request to the signed-in user; the attribution ends with the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            with acting_as(user):
                return self.get_response(request)
        with acting_as(None, label="anonymous"):
            return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy (with a fresh nonce per request, `request.csp_nonce`, for the rare inline script)
    and Permissions-Policy on every response. Django's SecurityMiddleware adds X-Content-Type-Options,
    Referrer-Policy, Cross-Origin-Opener-Policy and HSTS; XFrameOptionsMiddleware adds X-Frame-Options."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", security.content_security_policy(request.csp_nonce))
        response.headers.setdefault("Permissions-Policy", security.PERMISSIONS_POLICY)
        return response


class TwoFactorMiddleware:
    """Sends a signed-in user who has to pass the second factor (see core/two_factor.py) to the code page, or to
    enrol when the policy requires it and no authenticator is set up, before any other page. Signing out, the
    two-factor pages, the language switch, static files and the health check stay open; the API answers for
    itself (it refuses such a session)."""

    OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/i18n/", "/api/", "/health/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        step = None
        if (request.user.is_authenticated and not path.startswith(self.OPEN_PREFIXES)
                and not path.startswith(settings.STATIC_URL)):
            step = two_factor.pending_step(request)
        if step is not None:
            url = f"{reverse('two_factor_' + step)}?{urlencode({'next': request.get_full_path()})}"
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        return self.get_response(request)
