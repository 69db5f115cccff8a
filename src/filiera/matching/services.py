"""The use cases of matching: keeping the index, searching, "more like this" and recommendations.

Every result passes through `filiera.core.access` before anyone sees it: the engine ranks, then the viewer's
visibility rules (the same ones as the directory's) keep only what this viewer may see, in rank order."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field, fields

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from filiera.core.access import Viewer
from filiera.core.models import Concept, label_in
from filiera.directory.models import Opportunity, Organisation
from filiera.matching.documents import (
    DOCUMENTS,
    OPPORTUNITY,
    ORGANISATION,
    analysed_from_entry,
    key,
    split_key,
    text_hash,
)
from filiera.matching.engine.ranker import KINDS, Analysed, Hit, Query, analyse_document
from filiera.matching.engine.text import LANGUAGES
from filiera.matching.models import IndexEntry
from filiera.matching.store import embedder, index_store

WHAT = {"organisations": ("organisation",), "opportunities": ("opportunity",), "all": KINDS}
EMBED_BATCH = 64

# The opportunity types that answer each type: a request is answered by offers, an offer by requests, an R&D partner
# search by other partner searches and by technology offers.
ANSWERS = {
    Opportunity.Type.TECHNOLOGY_REQUEST: [Opportunity.Type.TECHNOLOGY_OFFER, Opportunity.Type.RD_PARTNER_SEARCH],
    Opportunity.Type.TECHNOLOGY_OFFER: [Opportunity.Type.TECHNOLOGY_REQUEST, Opportunity.Type.BUSINESS_REQUEST],
    Opportunity.Type.BUSINESS_REQUEST: [Opportunity.Type.BUSINESS_OFFER, Opportunity.Type.TECHNOLOGY_OFFER],
    Opportunity.Type.BUSINESS_OFFER: [Opportunity.Type.BUSINESS_REQUEST, Opportunity.Type.TECHNOLOGY_REQUEST],
    Opportunity.Type.RD_PARTNER_SEARCH: [Opportunity.Type.RD_PARTNER_SEARCH, Opportunity.Type.TECHNOLOGY_OFFER],
}


class MatchingError(ValueError):
    """Bad input to a search or a recommendation, with a message for the person who gave it."""


# -- keeping the index -----------------------------------------------------------------------------------------

def _write_entries(kind: str, ids: list[int], *, reuse_vectors: bool = True, embed: bool = True) -> tuple[int, list]:
    """Analyses and stores the index rows of these objects (all of one kind; ids that no longer exist get a
    tombstone). Vectors of unchanged texts are reused; the others are computed when `embed`, else left out.
    Returns the number of rows written and the ids still without a vector."""
    if not ids:
        return 0, []
    backend = embedder()
    tagger = index_store.tagger()
    documents = DOCUMENTS[kind](ids)
    old = {
        object_id: (digest, name, vector) for object_id, digest, name, vector in IndexEntry.objects.filter(
            kind=kind, object_id__in=ids, deleted=False).values_list("object_id", "text_hash", "embedder", "vector")
    }
    pks = sorted(documents)
    hashes = {pk: text_hash(documents[pk].text) for pk in pks}
    vectors: dict[int, object] = {}
    missing = []
    for pk in pks:
        digest, name, stored = old.get(pk, (None, None, None))
        if reuse_vectors and digest == hashes[pk] and name == backend.name:
            vectors[pk] = backend.from_bytes(stored)
        if vectors.get(pk) is None and backend.dim:
            missing.append(pk)
    if embed:
        for start in range(0, len(missing), EMBED_BATCH):
            chunk = missing[start:start + EMBED_BATCH]
            for pk, vector in zip(chunk, backend.passages([documents[pk].text for pk in chunk]), strict=True):
                vectors[pk] = vector
        missing = []
    entries = []
    for pk in pks:
        analysed = analyse_document(documents[pk], tagger)
        vector = vectors.get(pk)
        entries.append(IndexEntry(
            kind=kind, object_id=pk, language=analysed.language, terms=analysed.terms, concepts=analysed.concepts,
            facets=analysed.facets, expires=analysed.expires, text_hash=hashes[pk],
            embedder=backend.name if vector is not None else "",
            vector=backend.to_bytes(vector) if vector is not None else None,
        ))
    gone = sorted(set(ids) - set(documents))
    entries += [IndexEntry(kind=kind, object_id=pk, deleted=True) for pk in gone]
    with transaction.atomic():
        # A changed document gets a new row (a higher id), which is how other processes learn of the change.
        IndexEntry.objects.filter(kind=kind, object_id__in=ids).delete()
        IndexEntry.objects.bulk_create(entries, batch_size=500)
    return len(pks), missing


def index_organisations(ids: list[int]) -> int:
    return _write_entries(ORGANISATION, list(ids))[0]


def index_opportunities(ids: list[int]) -> int:
    return _write_entries(OPPORTUNITY, list(ids))[0]


@dataclass
class RebuildReport:
    organisations: int = 0
    opportunities: int = 0
    embedded: str = "none"
    queued_for_vectors: int = 0  # documents whose vectors the task worker computes after the rebuild


def rebuild_index(*, reuse_vectors: bool = True, embed_now: bool = False, batch: int = 2000,
                  progress=None) -> RebuildReport:
    """Re-analyses every organisation and opportunity; drops rows of deleted ones. Vectors of unchanged texts are
    kept unless `reuse_vectors` is False. The others are computed here when `embed_now`; otherwise the rebuild
    stays quick (words and concepts) and the vectors are computed by the task worker afterwards: the model reads
    ten to twenty profiles a second on two cores, so a cold corpus of 150,000 documents takes it hours
    (docs/benchmarks.md); meanwhile those documents are found by their words and concepts."""
    from filiera.matching.signals import queue

    report = RebuildReport(embedded=embedder().name)
    for kind, model, attr in ((ORGANISATION, Organisation, "organisations"),
                              (OPPORTUNITY, Opportunity, "opportunities")):
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        without_vector = []
        for start in range(0, len(ids), batch):
            written, missing = _write_entries(kind, ids[start:start + batch], reuse_vectors=reuse_vectors,
                                              embed=embed_now)
            setattr(report, attr, getattr(report, attr) + written)
            without_vector += missing
            if progress:
                progress(kind, min(start + batch, len(ids)), len(ids))
        stale = sorted(set(IndexEntry.objects.filter(kind=kind).values_list("object_id", flat=True)) - set(ids))
        for start in range(0, len(stale), batch):
            IndexEntry.objects.filter(kind=kind, object_id__in=stale[start:start + batch]).delete()
        queue(kind, without_vector, bulk=True)
        report.queued_for_vectors += len(without_vector)
    IndexEntry.objects.filter(deleted=True).delete()
    return report


# -- results ---------------------------------------------------------------------------------------------------

@dataclass
class Match:
    """A search or recommendation result, with its reasons, ready for a page, the API or the command line."""

    kind: str
    object: Organisation | Opportunity
    score: float
    words: list[str] = field(default_factory=list)
    concepts: list[Concept] = field(default_factory=list)
    closeness: float | None = None
    reasons: list[str] = field(default_factory=list)
    brings: list[Concept] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        if self.kind == ORGANISATION:
            return self.object.ref or self.object.slug
        return str(self.object.pk)

    @property
    def name(self) -> str:
        return self.object.name if self.kind == ORGANISATION else self.object.title

    def why(self) -> dict:
        return {
            "words": self.words,
            "concepts": [{"slug": c.slug, "label": c.label} for c in self.concepts],
            "semantic": self.closeness,
            "reasons": self.reasons,
            "brings": [{"slug": c.slug, "label": c.label} for c in self.brings],
            "parts": self.parts,
        }

    def as_json(self) -> dict:
        return {"kind": self.kind, "id": self.object.pk, "ref": self.ref, "name": self.name,
                "score": self.score, "why": self.why()}


def _visible(viewer: Viewer, hits: list[Hit], top: int) -> tuple[list[Match], bool]:
    """The first `top` hits this viewer may see, in rank order, as matches with their objects and concepts; and
    whether there were that many. Visibility is decided on ids alone; only the kept hits' rows are loaded."""
    ids = {ORGANISATION: [], OPPORTUNITY: []}
    for hit in hits:
        ids[hit.kind].append(split_key(hit.key)[1])
    allowed = set()
    if ids[ORGANISATION]:
        allowed |= {key(ORGANISATION, pk) for pk in
                    viewer.visible_organisations_among(ids[ORGANISATION]).values_list("pk", flat=True)}
    if ids[OPPORTUNITY]:
        allowed |= {key(OPPORTUNITY, pk) for pk in
                    viewer.visible_opportunities_among(ids[OPPORTUNITY]).values_list("pk", flat=True)}
    kept = [hit for hit in hits if hit.key in allowed][:top]
    chosen = {ORGANISATION: [], OPPORTUNITY: []}
    for hit in kept:
        chosen[hit.kind].append(split_key(hit.key)[1])
    objects = {key(ORGANISATION, o.pk): o for o in Organisation.objects.filter(pk__in=chosen[ORGANISATION])}
    objects |= {key(OPPORTUNITY, o.pk): o for o in
                Opportunity.objects.filter(pk__in=chosen[OPPORTUNITY]).select_related("organisation")}
    slugs = {slug for hit in kept for slug in [*hit.shared, *hit.brings]}
    concepts = {c.slug: c for c in Concept.objects.filter(slug__in=slugs)}
    matches = []
    for hit in kept:
        obj = objects.get(hit.key)
        if obj is None:  # deleted in between
            continue
        matches.append(Match(
            kind=hit.kind, object=obj, score=hit.score, words=hit.words,
            concepts=[concepts[s] for s in hit.shared if s in concepts], closeness=hit.closeness,
            reasons=hit.reasons, brings=[concepts[s] for s in hit.brings if s in concepts],
            parts={"lexical": hit.lexical, "concepts": hit.concepts, "semantic": hit.semantic},
        ))
    return matches, len(kept) >= top


def _ranked(viewer: Viewer, run, top: int) -> list[Match]:
    """Asks the engine for more than `top` results, so that those the viewer may not see can be dropped, and asks
    again for more when too many were dropped."""
    for wanted in (top * 3 + 20, top * 20 + 200, 5000):
        hits = run(wanted)
        matches, enough = _visible(viewer, hits, top)
        if enough or len(hits) < wanted:
            return matches
    return matches


@dataclass
class SearchFilters:
    """Facet filters of a search (OR inside a facet, AND across); empty lists filter nothing."""

    org_kind: list[str] = field(default_factory=list)
    helix: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    value_chain: list[str] = field(default_factory=list)
    cluster: list[str] = field(default_factory=list)
    visibility: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    concept: list[str] = field(default_factory=list)
    include_expired: bool = False

    def facets(self) -> dict[str, list[str]]:
        """The engine's facet filters: every list field that holds values (a field is named after its facet)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), list) and getattr(self, f.name)}


def _query(text: str, language: str | None, kinds, filters: SearchFilters, top: int, signals=None) -> Query:
    facets = filters.facets()
    facets["status"] = [Opportunity.Status.PUBLISHED] if kinds == ("opportunity",) else []
    query = Query(
        text=text, language=language or None, kinds=tuple(kinds), filters=facets, top=top,
        expires_from=None if filters.include_expired else timezone.localdate().toordinal(),
    )
    if signals:
        query.signals = tuple(signals)
    return query


def check_language(language: str | None) -> str | None:
    if language and language not in LANGUAGES:
        raise MatchingError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    return language or None


def _check_search(text: str, language: str | None, what: str) -> tuple[str, str | None]:
    text = (text or "").strip()
    if not text:
        raise MatchingError("the search text is empty")
    if what not in WHAT:
        raise MatchingError(f"unknown --what {what!r}: use organisations, opportunities or all")
    return text, check_language(language)


# The engine's answers to a search are kept this long at most (seconds); a change of the index replaces them at once.
HITS_CACHE_SECONDS = 600


def _search_hits(text: str, language: str | None, what: str, filters: SearchFilters, wanted: int) -> list[Hit]:
    """The engine's hits, before anyone's visibility. The same search gets the same hits until the index changes
    (or the day, for expiring opportunities): they are cached under the index's version, shared by every process
    and every viewer, since each viewer's visibility is applied to them afterwards (_visible)."""
    index, version = index_store.current()  # one catch-up with the stored rows, whether the hits are cached or not
    cache_key = "search-hits:" + hashlib.sha256(
        repr((text, language, what, filters, wanted, timezone.localdate(), version)).encode()).hexdigest()
    hits = cache.get(cache_key)
    if hits is None:
        hits = []
        for kind in WHAT[what]:
            hits += index.search(_query(text, language, (kind,), filters, wanted))
        hits = sorted(hits, key=lambda h: (-h.score, h.key))[:wanted]
        cache.set(cache_key, hits, HITS_CACHE_SECONDS)
    return hits


def search(viewer: Viewer, text: str, *, language: str | None = None, what: str = "all",
           filters: SearchFilters | None = None, top: int = 20) -> list[Match]:
    """Organisations and opportunities matching a text in any language, best first, each with its reasons."""
    text, language = _check_search(text, language, what)
    filters = filters or SearchFilters()
    return _ranked(viewer, lambda wanted: _search_hits(text, language, what, filters, wanted), top)


def organisations_among(text: str, organisation_ids, top: int = 5) -> list[tuple[int, list[str]]]:
    """Of these organisations, those the engine finds for `text` (any language), best first, each with its reasons:
    shared concepts (labels) and matched words. No visibility check: for callers that already show these
    organisations (the brokerage marketplace shows its participants)."""
    only = frozenset(key(ORGANISATION, pk) for pk in organisation_ids)
    if not text.strip() or not only:
        return []
    hits = index_store.get().search(Query(text=text[:1000], kinds=(ORGANISATION,), top=top, only=only))
    labels = dict(Concept.objects.filter(slug__in={s for h in hits for s in h.shared}).values_list("slug", "labels"))
    return [(split_key(hit.key)[1], [label_in(labels.get(slug, {})) or slug for slug in hit.shared]
             + [f"“{word}”" for word in hit.words]) for hit in hits]


def ranked_ids(text: str, *, what: str, filters: SearchFilters | None = None, top: int = 1000) -> list[int]:
    """The ids of one kind the engine finds for a text, best first, WITHOUT the visibility check: only for
    callers that apply the viewer's visibility in their own query (the directory's listings)."""
    if what == "all":
        raise MatchingError("ranked ids are of one kind: organisations or opportunities")
    text, language = _check_search(text, None, what)
    return [split_key(h.key)[1] for h in _search_hits(text, language, what, filters or SearchFilters(), top)]


def index_version() -> str:
    """The version of the index (see IndexStore.version): a key part for what callers cache of its answers."""
    return index_store.version()


def visible_source(viewer: Viewer, kind: str, object_id: int) -> Organisation | Opportunity | None:
    """The organisation or opportunity a "more like this" or a recommendation starts from, if the viewer may
    see it."""
    if kind == ORGANISATION:
        return viewer.visible_organisations_among([object_id]).first()
    if kind == OPPORTUNITY:
        return viewer.visible_opportunities_among([object_id]).select_related("organisation").first()
    return None


def concepts_in(text: str, language: str | None = None) -> list[str]:
    """The slugs of the vocabulary's concepts named in a text (any of our languages), in order of appearance: what
    a funding call asks for, say. The language is detected when not given."""
    if not text.strip():
        return []
    from filiera.matching.engine.text import detect_language

    language = language or detect_language(text) or "en"
    return [match.slug for match in index_store.tagger().tag(text, language)]


def detected_language(text: str, language: str | None = None) -> str | None:
    return index_store.get().query_language(text, language)


def _analysed(kind: str, object_id: int) -> Analysed | None:
    entry = IndexEntry.objects.filter(kind=kind, object_id=object_id, deleted=False).first()
    if entry is None:
        return None
    return analysed_from_entry(entry, embedder())


def _source(kind: str, obj) -> Analysed:
    analysed = _analysed(kind, obj.pk)
    if analysed is None:  # not indexed yet (the task has not run): index it now
        (index_organisations if kind == ORGANISATION else index_opportunities)([obj.pk])
        analysed = _analysed(kind, obj.pk)
    return analysed


def more_like_this(viewer: Viewer, obj: Organisation | Opportunity, top: int = 10) -> list[Match]:
    """Documents of the same kind like this one."""
    kind = ORGANISATION if isinstance(obj, Organisation) else OPPORTUNITY
    source = _source(kind, obj)
    index = index_store.get()

    def run(wanted: int) -> list[Hit]:
        return index.similar(source, _query("", None, (kind,), SearchFilters(), wanted))

    return _ranked(viewer, run, top)


def recommend_for_opportunity(viewer: Viewer, opportunity: Opportunity, top: int = 10,
                              what: str = "all") -> list[Match]:
    """For a need (or an offer): the organisations and the opportunities of the answering types that meet it,
    leaving out the opportunity's own organisation."""
    source = _source(OPPORTUNITY, opportunity)
    index = index_store.get()
    own = key(ORGANISATION, opportunity.organisation_id)

    def run(wanted: int) -> list[Hit]:
        hits = []
        if what in ("all", "organisations"):
            query = _query("", None, ("organisation",), SearchFilters(), wanted)
            query.exclude = frozenset({own})
            hits += index.similar(source, query)
        if what in ("all", "opportunities"):
            query = _query("", None, ("opportunity",), SearchFilters(type=ANSWERS.get(opportunity.type, [])), wanted)
            hits += [h for h in index.similar(source, query)
                     if index.facets_of(h.key).get("organisation") != [str(opportunity.organisation_id)]]
        return sorted(hits, key=lambda h: (-h.score, h.key))[:wanted]

    return _ranked(viewer, run, top)


def recommend_partners(viewer: Viewer, organisation: Organisation, top: int = 10, *,
                       international: bool = False, filters: SearchFilters | None = None) -> list[Match]:
    """For an organisation: the partners that complete it (another helix, concepts it lacks, other countries when
    the aim is an EU call)."""
    source = _source(ORGANISATION, organisation)
    index = index_store.get()
    filters = filters or SearchFilters()

    def run(wanted: int) -> list[Hit]:
        query = _query("", None, ("organisation",), filters, wanted)
        return index.partners(source, query, international=international, pool=max(300, wanted))

    return _ranked(viewer, run, top)


def opportunities_matching_organisation(viewer: Viewer, organisation: Organisation, since: datetime.datetime,
                                        top: int = 10) -> list[Match]:
    """New opportunities (published since `since`, still open) that match an organisation's profile: the digest's
    content. Its own opportunities are left out."""
    source = _source(ORGANISATION, organisation)
    index = index_store.get()
    recent = set(
        Opportunity.objects.filter(published_at__gte=since, status=Opportunity.Status.PUBLISHED)
        .exclude(organisation=organisation).values_list("pk", flat=True)
    )
    if not recent:
        return []
    only = frozenset(key(OPPORTUNITY, i) for i in recent)

    def run(wanted: int) -> list[Hit]:
        query = _query("", None, ("opportunity",), SearchFilters(), wanted)
        query.only = only
        return index.similar(source, query)

    return _ranked(viewer, run, top)
