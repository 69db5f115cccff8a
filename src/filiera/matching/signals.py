"""Keeps the matching index fresh: every saved or deleted organisation, opportunity or membership queues the
re-indexing of what it changes, once the transaction commits. Bulk writers (imports, the demo loader) send
`bulk_saved` instead, and their rows are indexed in chunks."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from filiera.directory.models import Membership, Opportunity, Organisation, bulk_saved, is_bulk_saving
from filiera.matching.documents import OPPORTUNITY, ORGANISATION

CHUNK = 500  # documents per indexing task: the vectors of 500 texts take the worker about 20 s


def queue(kind: str, ids: list[int], *, bulk: bool = False) -> None:
    if (is_bulk_saving() and not bulk) or not ids:
        return
    from filiera.matching.tasks import index_documents

    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start:start + CHUNK])
        transaction.on_commit(lambda chunk=chunk: index_documents(kind, chunk))


@receiver(bulk_saved)
def bulk_written(sender, ids, **kwargs):
    """An import or the demo wrote rows in bulk: index them (and an organisation's opportunities) in chunks."""
    if sender is Organisation:
        queue(ORGANISATION, list(ids), bulk=True)
        queue(OPPORTUNITY, list(Opportunity.objects.filter(organisation_id__in=ids).values_list("pk", flat=True)),
              bulk=True)
    elif sender is Opportunity:
        queue(OPPORTUNITY, list(ids), bulk=True)


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
