"""API authentication: a personal token (`Authorization: Bearer fil_…`) or the browser session (with CSRF).

Anonymous calls are allowed for reading and see what a visitor sees; every route asks the Viewer what the caller
may do. django-ninja tries the callables of AUTH in order and the first truthy result wins, so each one returns
None when it does not apply, and raises AuthenticationError when the call must fail outright:
- a token that is unknown, revoked, expired or of an inactive user is a 401, never a fallback to the session or
  to visitor access;
- any other Authorization header (Basic, a token without the Bearer scheme) is a 401 too;
- a signed-in session must pass the CSRF check on unsafe methods (403 otherwise), as on the web pages, and the
  second factor when the user has or needs one (401 otherwise, see core/two_factor.py);
- without credentials, GET/HEAD/OPTIONS go through as a visitor and anything else is a 401.
Audited changes are attributed to the authenticated caller by `attributed_to_caller` in api.py.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from filiera.core import services, two_factor

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = services.user_for_token(token.strip())
        if user is None:
            raise AuthenticationError()
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods need the CSRF token, as on the web pages."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        super().__init__(csrf=True)

    def __call__(self, request):
        if "HTTP_AUTHORIZATION" in request.META:
            return None  # credentials were given in the header: they decide alone
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # no session: no CSRF check, so that an anonymous write is a 401 and not a 403
        if two_factor.must_verify(request):
            # Signed in with the password but not yet with the second factor: the session does not count yet.
            # (Personal tokens are unaffected: they can only be created from a verified session.)
            raise AuthenticationError()
        return super().__call__(request)  # checks CSRF (HttpError 403) before authenticate()

    def authenticate(self, request, key):
        return request.user


def anonymous(request):
    """Lets a reading call through as a visitor when no credentials were given."""
    if "HTTP_AUTHORIZATION" in request.META:
        # A header HttpBearer did not accept (another scheme, an empty token): fail, do not become a visitor.
        raise AuthenticationError()
    if request.method not in SAFE_METHODS:
        return None
    request.user = AnonymousUser()
    return request.user  # truthy: ninja accepts the call


AUTH = [TokenAuth(), SessionAuth(), anonymous]
