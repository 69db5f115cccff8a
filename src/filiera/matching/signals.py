"""Keeps the matching index fresh: every saved or deleted organisation, opportunity or membership queues the
re-indexing of what it changes, once the transaction commits. Bulk writers (imports, the demo loader) pause this
and index their rows in one go."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from filiera.directory.models import Membership, Opportunity, Organisation
from filiera.matching.documents import OPPORTUNITY, ORGANISATION

_paused = threading.local()


@contextmanager
def indexing_paused():
    """Within this block saves do not queue index updates; the caller indexes what it wrote."""
    previous = getattr(_paused, "on", False)
    _paused.on = True
    try:
        yield
    finally:
        _paused.on = previous


def queue(kind: str, ids: list[int]) -> None:
    if getattr(_paused, "on", False) or not ids:
        return
    from filiera.matching.tasks import index_documents

    transaction.on_commit(lambda: index_documents(kind, list(ids)))


def _organisation_changed(organisation_id: int) -> None:
    queue(ORGANISATION, [organisation_id])
    # Its opportunities carry its kind, country and clusters as facets.
    queue(OPPORTUNITY, list(Opportunity.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True)))


@receiver(post_save, sender=Organisation)
@receiver(post_delete, sender=Organisation)
def organisation_saved(sender, instance, **kwargs):
    if kwargs.get("signal") is post_delete:
        queue(ORGANISATION, [instance.pk])
    else:
        _organisation_changed(instance.pk)


@receiver(post_save, sender=Opportunity)
@receiver(post_delete, sender=Opportunity)
def opportunity_saved(sender, instance, **kwargs):
    queue(OPPORTUNITY, [instance.pk])


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_saved(sender, instance, **kwargs):
    if Organisation.objects.filter(pk=instance.organisation_id).exists():
        _organisation_changed(instance.organisation_id)


@receiver(m2m_changed, sender=Organisation.concepts.through)
@receiver(m2m_changed, sender=Organisation.value_chains.through)
@receiver(m2m_changed, sender=Opportunity.concepts.through)
@receiver(m2m_changed, sender=Opportunity.value_chains.through)
def tags_changed(sender, instance, action, reverse, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or reverse:
        return
    queue(ORGANISATION if isinstance(instance, Organisation) else OPPORTUNITY, [instance.pk])
