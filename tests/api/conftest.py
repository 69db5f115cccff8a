"""Fixtures of the API tests: clients that authenticate with a personal token, as API callers do."""

from __future__ import annotations

import pytest
from django.test import Client

from filiera.core.services import create_api_token


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    """Users are made by the dozen in API tests: hash their passwords the quick way."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_client_for(user, **client_options) -> Client:
    """A client that sends `Authorization: Bearer <a fresh token of user>` and has no session."""
    _, raw = create_api_token(user, "tests")
    return Client(headers={"authorization": f"Bearer {raw}"}, **client_options)


@pytest.fixture
def as_token():
    """as_token(user) -> a test client authenticated by a personal token; as_token(None) -> a visitor."""

    def make(user) -> Client:
        return Client() if user is None else token_client_for(user)

    return make


def ids(response) -> set[int]:
    """The ids of the items of a paginated list response."""
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}
