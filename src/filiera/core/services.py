"""Use cases of the core: personal API tokens and user preferences; and what the other apps' services share."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from filiera.core.models import ApiToken

TOKEN_PREFIX = "fil_"


def assign(instance, data: dict, fields) -> None:
    """Set on `instance` those of `fields` that `data` gives (a service's partial update)."""
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_token(user, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; returns it with the raw secret, which is shown once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip() or "token", prefix=raw[:12], key_hash=hash_token(raw))
    return token, raw


def revoke_api_token(user, token_id: int) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def user_for_token(raw: str):
    """The active user of a raw token, or None. Marks the token used (at most once a minute)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at < now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def set_user_language(user, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])
