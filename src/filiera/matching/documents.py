"""Turns organisations and opportunities into the engine's documents, and stored index rows into analysed ones."""

from __future__ import annotations

import hashlib

from filiera.directory.models import HELIX_OF_KIND, Helix, Membership, Opportunity, Organisation
from filiera.matching.engine.embeddings import Embedder
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


def _grouped(pairs) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for object_id, value in pairs:
        grouped.setdefault(object_id, []).append(value)
    return {object_id: sorted(set(values)) for object_id, values in grouped.items()}


def _active_clusters(organisation_ids) -> dict[int, list[str]]:
    return _grouped(Membership.objects.filter(organisation_id__in=organisation_ids, status=Membership.Status.ACTIVE)
                    .values_list("organisation_id", "cluster__slug"))


def _tags(through, owner: str, object_ids) -> dict[int, list[str]]:
    return _grouped(through.objects.filter(**{f"{owner}_id__in": object_ids})
                    .values_list(f"{owner}_id", "concept__slug"))


def _value_chains(through, owner: str, object_ids) -> dict[int, list[str]]:
    return _grouped(through.objects.filter(**{f"{owner}_id__in": object_ids})
                    .values_list(f"{owner}_id", "valuechain__slug"))


# Documents are built from plain column values, a few queries per batch whatever its size: indexing tens of
# thousands of rows through model instances and prefetches cost more than analysing their texts.

def organisation_documents(ids) -> dict[int, Document]:
    """The documents of these organisations (those that exist), by id."""
    ids = list(ids)
    rows = Organisation.objects.filter(pk__in=ids).values_list(
        "pk", "name", "short_name", "keywords", "description", "language", "kind", "country", "visibility")
    tags = _tags(Organisation.concepts.through, "organisation", ids)
    chains = _value_chains(Organisation.value_chains.through, "organisation", ids)
    clusters = _active_clusters(ids)
    documents = {}
    for pk, name, short_name, keywords, description, language, kind, country, visibility in rows:
        parts = [name, short_name, keywords.replace(";", ","), description]
        documents[pk] = Document(
            key=key(ORGANISATION, pk), kind=ORGANISATION, language=language, text="\n".join(p for p in parts if p),
            tags=tags.get(pk, []),
            facets={
                "org_kind": [kind], "helix": [HELIX_OF_KIND.get(kind, Helix.CIVIL)], "country": [country],
                "value_chain": chains.get(pk, []), "cluster": clusters.get(pk, []), "visibility": [visibility],
            },
        )
    return documents


def opportunity_documents(ids) -> dict[int, Document]:
    """The documents of these opportunities (those that exist), by id. They carry their organisation's kind,
    helix, country and clusters as facets."""
    ids = list(ids)
    rows = list(Opportunity.objects.filter(pk__in=ids).values_list(
        "pk", "title", "summary", "body", "language", "type", "visibility", "status", "expires_on", "organisation_id",
        "organisation__kind", "organisation__country", "cluster__slug"))
    tags = _tags(Opportunity.concepts.through, "opportunity", ids)
    chains = _value_chains(Opportunity.value_chains.through, "opportunity", ids)
    clusters = _active_clusters({row[9] for row in rows})
    documents = {}
    for (pk, title, summary, body, language, type_, visibility, status, expires_on, organisation_id, org_kind,
         country, cluster) in rows:
        in_clusters = set(clusters.get(organisation_id, []))
        if cluster:
            in_clusters.add(cluster)
        documents[pk] = Document(
            key=key(OPPORTUNITY, pk), kind=OPPORTUNITY, language=language,
            text="\n".join(p for p in (title, summary, body) if p),
            tags=tags.get(pk, []),
            facets={
                "type": [type_], "org_kind": [org_kind], "helix": [HELIX_OF_KIND.get(org_kind, Helix.CIVIL)],
                "country": [country], "value_chain": chains.get(pk, []), "cluster": sorted(in_clusters),
                "visibility": [visibility], "status": [status], "organisation": [str(organisation_id)],
            },
            expires=expires_on.toordinal() if expires_on else None,
        )
    return documents


DOCUMENTS = {ORGANISATION: organisation_documents, OPPORTUNITY: opportunity_documents}


def analysed_from_entry(entry: IndexEntry, embedder: Embedder) -> Analysed:
    """The analysed document of a stored row; its vector only when the configured backend wrote it."""
    vector = embedder.from_bytes(entry.vector) if entry.embedder == embedder.name else None
    return Analysed(
        key=key(entry.kind, entry.object_id), kind=entry.kind, language=entry.language, terms=entry.terms,
        concepts=entry.concepts, facets=entry.facets, expires=entry.expires, vector=vector,
    )
