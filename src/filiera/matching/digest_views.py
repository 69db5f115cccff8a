"""The digest's unsubscribe page: reached from the email without signing in, the signed token is the proof."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from filiera.matching import digest


# No CSRF token: mail clients send the RFC 8058 one-click POST without one, and the signed token already proves
# that the request comes from the recipient's email. A GET only asks, so link scanners unsubscribe nobody.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    user = digest.user_for_token(token)
    if user is None:
        raise Http404
    # The page speaks the language of the email it was reached from.
    with translation.override(user.language):
        if request.method == "POST":
            digest.unsubscribe(user)
            return render(request, "matching/digest/unsubscribed.html", {"digest_user": user})
        return render(request, "matching/digest/unsubscribe.html",
                      {"digest_user": user, "subscribed": digest.is_subscribed(user)})
