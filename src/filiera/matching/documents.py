"""Turns organisations and opportunities into the engine's documents, and stored index rows into analysed ones."""

from __future__ import annotations

import hashlib

import numpy as np

from filiera.directory.models import Membership, Opportunity, Organisation
from filiera.matching.engine.ranker import Analysed, Document
from filiera.matching.models import IndexEntry

ORGANISATION = IndexEntry.Kind.ORGANISATION.value
OPPORTUNITY = IndexEntry.Kind.OPPORTUNITY.value


def key(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def split_key(value: str) -> tuple[str, int]:
    kind, _, object_id = value.partition(":")
    return kind, int(object_id)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clusters(organisation: Organisation) -> list[str]:
    # Prefetched by the callers that index many organisations at once.
    return sorted({m.cluster.slug for m in organisation.memberships.all() if m.status == Membership.Status.ACTIVE})


def organisation_document(organisation: Organisation) -> Document:
    parts = [organisation.name, organisation.short_name, organisation.keywords.replace(";", ","),
             organisation.description]
    return Document(
        key=key(ORGANISATION, organisation.pk), kind=ORGANISATION, language=organisation.language,
        text="\n".join(p for p in parts if p),
        tags=[c.slug for c in organisation.concepts.all()],
        facets={
            "org_kind": [organisation.kind], "helix": [organisation.helix], "country": [organisation.country],
            "value_chain": [vc.slug for vc in organisation.value_chains.all()],
            "cluster": _clusters(organisation), "visibility": [organisation.visibility],
        },
    )


def opportunity_document(opportunity: Opportunity) -> Document:
    organisation = opportunity.organisation
    parts = [opportunity.title, opportunity.summary, opportunity.body]
    clusters = set(_clusters(organisation))
    if opportunity.cluster_id:
        clusters.add(opportunity.cluster.slug)
    return Document(
        key=key(OPPORTUNITY, opportunity.pk), kind=OPPORTUNITY, language=opportunity.language,
        text="\n".join(p for p in parts if p),
        tags=[c.slug for c in opportunity.concepts.all()],
        facets={
            "type": [opportunity.type], "org_kind": [organisation.kind], "helix": [organisation.helix],
            "country": [organisation.country], "value_chain": [vc.slug for vc in opportunity.value_chains.all()],
            "cluster": sorted(clusters), "visibility": [opportunity.visibility], "status": [opportunity.status],
            "organisation": [str(organisation.pk)],
        },
        expires=opportunity.expires_on.toordinal() if opportunity.expires_on else None,
    )


def organisations_for_indexing():
    return Organisation.objects.prefetch_related("concepts", "value_chains", "memberships__cluster")


def opportunities_for_indexing():
    return Opportunity.objects.select_related("organisation", "cluster").prefetch_related(
        "concepts", "value_chains", "organisation__memberships__cluster")


def vector_from_bytes(data) -> np.ndarray | None:
    if not data:
        return None
    return np.frombuffer(bytes(data), dtype=np.float32)


def analysed_from_entry(entry: IndexEntry, dim: int, embedder: str) -> Analysed:
    vector = vector_from_bytes(entry.vector) if entry.embedder == embedder else None
    return Analysed(
        key=key(entry.kind, entry.object_id), kind=entry.kind, language=entry.language, terms=entry.terms,
        concepts=entry.concepts, facets=entry.facets, expires=entry.expires,
        vector=vector if vector is not None and len(vector) == dim else None,
    )
