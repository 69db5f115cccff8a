"""API authentication: a personal token (`Authorization: Bearer fil_…`) or the browser session (with CSRF).

Anonymous calls are allowed and see what a visitor sees; every route asks the Viewer what the caller may do.
"""

from django.contrib.auth.models import AnonymousUser
from ninja.security import APIKeyCookie, HttpBearer

from filiera.core import services
from filiera.core.audit import set_actor


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = services.user_for_token(token)
        if user is None:
            return None
        request.user = user
        set_actor(user)
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods need the CSRF token, as on the web pages."""

    param_name = "sessionid"

    def __init__(self):
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        if request.user.is_authenticated:
            return request.user
        return None


def anonymous(request):
    """Lets a call through as a visitor when no credentials were given."""
    if "HTTP_AUTHORIZATION" in request.META:
        return None  # a bad token must fail, not silently become a visitor
    request.user = getattr(request, "user", None) or AnonymousUser()
    return request.user if request.method in ("GET", "HEAD", "OPTIONS") else None


AUTH = [TokenAuth(), SessionAuth(), anonymous]
