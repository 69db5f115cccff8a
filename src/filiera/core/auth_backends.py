"""Filiera's one authentication backend: the sign-in rate limit (django-axes), then the username and password,
or the OpenID Connect provider's answer (core/oidc.py) when single sign-on is on.

One backend rather than three in AUTHENTICATION_BACKENDS, so that `login(request, user)` (after an application
for membership creates the account) still knows which backend signed the user in."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from filiera.core import oidc


class AccountBackend(AxesStandaloneBackend, ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:
            # Raises PermissionDenied for a locked-out username and address, before any password is checked.
            # Code that authenticates without a request (the test client's `login`, the shell) is not a sign-in
            # from the network: django-axes could not tell the address, so it is not asked.
            AxesStandaloneBackend.authenticate(self, request, username=username, password=password, **kwargs)
        if username is None and password is None and "nonce" in kwargs:  # the provider's callback
            return oidc.OIDCBackend().authenticate(request, **kwargs)
        return ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)
