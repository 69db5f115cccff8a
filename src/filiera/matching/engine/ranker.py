"""The matching index: documents (organisation profiles and opportunities) scored on three signals, filtered by
facets, and explained.

- lexical: BM25 in each document's own language. The query is analysed with the stemmer of every language present,
  so that cognates meet ("telemedicina" in an Italian query and in a Spanish profile);
- concepts: the share of the query's concepts (weighted by rarity) that the document carries, through the
  multilingual vocabulary, which is what bridges languages without any shared word;
- semantic: closeness of the texts' vectors (e5 latent terms by default, see embeddings.py), when a backend is on.

Each signal is brought to 0..1 (lexical and semantic relative to the query's best match among the documents it may
return) and the score is their weighted sum. A hit says why it is there: the query's words it contains, the
concepts it shares, its closeness.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field, replace

import numpy as np

from filiera.matching.engine.embeddings import Embedder, SparseVector
from filiera.matching.engine.postings import Postings, SparsePostings
from filiera.matching.engine.text import LANGUAGES, analyse, detect_language
from filiera.matching.engine.vocabulary import Tagger

K1 = 1.2
B = 0.75
KINDS = ("organisation", "opportunity")
SIGNALS = ("lexical", "concepts", "semantic")
QUERY_VECTORS_KEPT = 256
SCORES_KEPT = 8  # queries whose signal arrays are kept until the index changes


@dataclass(frozen=True)
class Weights:
    """How much each signal counts. Chosen on half of bench/matching_eval's queries and checked on the other half
    (docs/benchmarks.md): with a semantic backend on, it carries most of the cross-language recall; without one
    the weights are renormalised."""

    lexical: float = 0.1
    concepts: float = 0.2
    semantic: float = 0.7
    # A document enters the results only with a word or a concept in common, or when it is at least this close.
    min_closeness: float = 0.2


@dataclass
class Document:
    """A document as a service hands it in, before analysis."""

    key: str  # unique, e.g. "organisation:12"
    kind: str  # organisation | opportunity
    language: str
    text: str
    tags: list[str] = field(default_factory=list)  # concept slugs picked by the authors
    facets: dict[str, list[str]] = field(default_factory=dict)  # facet -> values, e.g. {"country": ["IT"]}
    expires: int | None = None  # date ordinal of the expiry, for opportunities
    vector: np.ndarray | SparseVector | None = None  # from the index's embedder, or None


@dataclass
class Analysed:
    """A document as the index stores it; services persist it so that an index loads without re-analysing."""

    key: str
    kind: str
    language: str
    terms: dict[str, int]
    concepts: dict[str, float]
    facets: dict[str, list[str]] = field(default_factory=dict)
    expires: int | None = None
    vector: np.ndarray | SparseVector | None = None

    @property
    def length(self) -> int:
        return sum(self.terms.values())


def analyse_document(document: Document, tagger: Tagger) -> Analysed:
    language = document.language if document.language in LANGUAGES else "en"
    tokens = analyse(document.text, language)  # once, for the words and for the concepts
    terms: dict[str, int] = {}
    for token in tokens:
        terms[token.stem] = terms.get(token.stem, 0) + 1
    return Analysed(
        key=document.key, kind=document.kind, language=language, terms=terms,
        concepts=tagger.profile(document.text, language, document.tags, tokens), facets=document.facets,
        expires=document.expires, vector=document.vector,
    )


@dataclass
class Query:
    text: str = ""
    language: str | None = None  # None: detected
    kinds: tuple[str, ...] = KINDS
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet -> allowed values (OR); AND across facets
    expires_from: int | None = None  # leave out documents that expired before this date ordinal
    exclude: frozenset[str] = frozenset()  # keys
    only: frozenset[str] | None = None  # keys: when set, nothing else is considered
    top: int = 10
    signals: tuple[str, ...] = SIGNALS  # to measure each signal's worth


@dataclass
class Hit:
    key: str
    kind: str
    score: float
    lexical: float
    concepts: float
    semantic: float
    words: list[str] = field(default_factory=list)  # the query's words found in the document
    shared: list[str] = field(default_factory=list)  # concept slugs the query and the document share
    closeness: float | None = None  # semantic closeness 0..1 on the backend's scale, when a backend is on
    reasons: list[str] = field(default_factory=list)  # partner reasons: codes such as "other_helix"
    brings: list[str] = field(default_factory=list)  # concepts a recommended partner adds


@dataclass
class _QueryVector:
    terms: dict[str, dict[str, str]]  # language -> stem -> surface
    concepts: dict[str, float]
    vector: np.ndarray | SparseVector | None


class MatchIndex:
    def __init__(self, tagger: Tagger, embedder: Embedder | None = None, weights: Weights = Weights()) -> None:
        self.tagger = tagger
        self.embedder = embedder or Embedder()
        self.weights = weights
        self._query_vectors: dict[str, np.ndarray | SparseVector] = {}  # oldest first
        # A search for "all" asks once per kind, and a viewer who may not see enough results asks again for
        # more: the same query's signals over the whole index are computed once, until the index changes.
        self._scores: dict[tuple, tuple[_QueryVector, np.ndarray, np.ndarray, np.ndarray, object]] = {}
        self._clear()

    def _clear(self) -> None:
        self._scores = {}
        self._slot_of: dict[str, int] = {}
        self._keys: list[str | None] = []
        self._alive = np.zeros(0, dtype=bool)
        self._kind = np.zeros(0, dtype=np.int8)
        self._language = np.zeros(0, dtype=np.int8)
        self._length = np.zeros(0, dtype=np.float32)
        self._expires = np.zeros(0, dtype=np.int32)
        # Dense vectors in a matrix; sparse ones (latent terms) in posting lists by feature.
        dense = 0 if self.embedder.sparse else self.embedder.dim
        self._vectors = np.zeros((0, dense), dtype=np.float32)
        self._latent = SparsePostings(self.embedder.dim) if self.embedder.sparse else None
        self._has_vector = np.zeros(0, dtype=bool)
        self._concepts: list[tuple[str, ...]] = []
        self._lexical = {lang: Postings() for lang in LANGUAGES}
        # Per language: live documents and their total length, for BM25's idf and average length.
        self._language_docs = dict.fromkeys(LANGUAGES, 0)
        self._language_length = dict.fromkeys(LANGUAGES, 0.0)
        self._concept_postings = Postings()
        self._facets: dict[tuple[str, str], array] = {}
        self._doc_facets: list[dict[str, list[str]] | None] = []
        self._dead = 0

    # -- maintenance ------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, key: str) -> bool:
        return key in self._slot_of

    def _grow(self, needed: int) -> None:
        capacity = len(self._alive)
        if needed <= capacity:
            return
        new = max(needed, capacity * 2, 1024)

        def grown(values: np.ndarray) -> np.ndarray:
            bigger = np.zeros((new,) + values.shape[1:], dtype=values.dtype)
            bigger[:capacity] = values
            return bigger

        self._alive, self._kind, self._language = grown(self._alive), grown(self._kind), grown(self._language)
        self._length, self._expires = grown(self._length), grown(self._expires)
        self._vectors, self._has_vector = grown(self._vectors), grown(self._has_vector)

    def fits(self, vector) -> bool:
        """Whether `vector` comes from this index's kind of embedder."""
        if vector is None or not self.embedder.dim:
            return False
        if self.embedder.sparse:
            return isinstance(vector, SparseVector)
        return not isinstance(vector, SparseVector) and len(vector) == self.embedder.dim

    def put(self, doc: Analysed) -> None:
        """Adds a document, replacing the one with the same key."""
        self.remove(doc.key)
        self._scores.clear()
        slot = len(self._keys)
        self._grow(slot + 1)
        self._keys.append(doc.key)
        self._slot_of[doc.key] = slot
        self._alive[slot] = True
        self._kind[slot] = KINDS.index(doc.kind)
        language = doc.language if doc.language in LANGUAGES else LANGUAGES[0]
        self._language[slot] = LANGUAGES.index(language)
        self._length[slot] = max(sum(doc.terms.values()), 1)
        self._language_docs[language] += 1
        self._language_length[language] += float(self._length[slot])
        self._expires[slot] = doc.expires or 0
        if self.fits(doc.vector):
            if self._latent is not None:
                self._latent.add(slot, doc.vector.indices, doc.vector.values)
            else:
                self._vectors[slot] = doc.vector
            self._has_vector[slot] = True
        self._concepts.append(tuple(doc.concepts))
        self._doc_facets.append(doc.facets)
        self._lexical[LANGUAGES[self._language[slot]]].add(slot, {t: float(n) for t, n in doc.terms.items()})
        self._concept_postings.add(slot, doc.concepts)
        for facet, values in doc.facets.items():
            for value in values:
                self._facets.setdefault((facet, str(value)), array("i")).append(slot)

    def remove(self, key: str) -> None:
        slot = self._slot_of.pop(key, None)
        if slot is None:
            return
        self._scores.clear()
        self._alive[slot] = False
        language = LANGUAGES[self._language[slot]]
        self._language_docs[language] -= 1
        self._language_length[language] -= float(self._length[slot])
        self._keys[slot] = None
        self._concepts[slot] = ()
        self._doc_facets[slot] = None
        self._dead += 1
        if self._dead > 1000 and self._dead > len(self._slot_of) // 3:
            self.compact()

    def compact(self) -> None:
        """Drops dead slots from every array and posting list."""
        self._scores.clear()
        size = len(self._keys)
        alive = self._alive[:size]
        new_slot = np.full(size, -1, dtype=np.int64)
        new_slot[alive] = np.arange(int(alive.sum()))
        keep = np.flatnonzero(alive)
        self._keys = [self._keys[i] for i in keep]
        self._slot_of = {key: i for i, key in enumerate(self._keys)}
        self._concepts = [self._concepts[i] for i in keep]
        self._doc_facets = [self._doc_facets[i] for i in keep]
        for name in ("_alive", "_kind", "_language", "_length", "_expires", "_vectors", "_has_vector"):
            setattr(self, name, getattr(self, name)[keep].copy())
        for postings in [*self._lexical.values(), self._concept_postings]:
            postings.compact(new_slot)
        if self._latent is not None:
            self._latent.compact(new_slot)
        for facet_key, slots in list(self._facets.items()):
            mapped = new_slot[np.frombuffer(slots, dtype=np.int32)]
            mapped = mapped[mapped >= 0]
            if len(mapped):
                fresh = array("i")
                fresh.frombytes(mapped.astype(np.int32).tobytes())
                self._facets[facet_key] = fresh
            else:
                del self._facets[facet_key]
        self._dead = 0

    def facets_of(self, key: str) -> dict[str, list[str]]:
        slot = self._slot_of.get(key)
        return dict(self._doc_facets[slot] or {}) if slot is not None else {}

    def nbytes(self) -> int:
        arrays = (self._alive, self._kind, self._language, self._length, self._expires, self._vectors,
                  self._has_vector)
        latent = self._latent.nbytes() if self._latent is not None else 0
        return sum(a.nbytes for a in arrays) + sum(p.nbytes() for p in self._lexical.values()) + latent

    # -- scoring ---------------------------------------------------------------------------------------------

    def _size(self) -> int:
        return len(self._keys)

    def _mask(self, query: Query) -> np.ndarray:
        size = self._size()
        mask = self._alive[:size].copy()
        if tuple(query.kinds) != KINDS:
            mask &= np.isin(self._kind[:size], [KINDS.index(k) for k in query.kinds])
        for facet, values in query.filters.items():
            if not values:
                continue
            allowed = np.zeros(size, dtype=bool)
            for value in values:
                # "concept" filters on the concepts a document names or was tagged with, not their broader ones.
                if facet == "concept":
                    slots, weights = self._concept_postings.get(str(value))
                    allowed[slots[weights >= 1.0]] = True
                    continue
                slots = self._facets.get((facet, str(value)))
                if slots is not None and len(slots):
                    allowed[np.frombuffer(slots, dtype=np.int32)] = True
            mask &= allowed
        if query.expires_from is not None:
            expires = self._expires[:size]
            mask &= (expires == 0) | (expires >= query.expires_from)
        for key in query.exclude:
            slot = self._slot_of.get(key)
            if slot is not None:
                mask[slot] = False
        if query.only is not None:
            allowed = np.zeros(size, dtype=bool)
            allowed[[self._slot_of[k] for k in query.only if k in self._slot_of]] = True
            mask &= allowed
        return mask

    def _lexical_scores(self, terms: dict[str, dict[str, str]]) -> np.ndarray:
        size = self._size()
        all_slots, all_scores = [], []
        for lang, stems in terms.items():
            postings = self._lexical[lang]
            n_docs = self._language_docs[lang]
            if n_docs <= 0:
                continue
            average = self._language_length[lang] / n_docs
            for stem in stems:
                slots, tfs = postings.get(stem)
                if not len(slots):
                    continue
                # Dead slots stay in the posting lists until a compaction: df counts the live ones only.
                df = int(self._alive[slots].sum())
                idf = math.log(1.0 + max(n_docs - df + 0.5, 0.0) / (df + 0.5))
                norm = K1 * (1 - B + B * self._length[slots] / average)
                all_slots.append(slots)
                all_scores.append(idf * tfs * (K1 + 1) / (tfs + norm))
        if not all_slots:
            return np.zeros(size, dtype=np.float32)
        return np.bincount(np.concatenate(all_slots), weights=np.concatenate(all_scores), minlength=size)[
            :size].astype(np.float32)

    def _concept_scores(self, concepts: dict[str, float]) -> np.ndarray:
        size = self._size()
        scores = np.zeros(size, dtype=np.float32)
        alive = max(len(self._slot_of), 1)
        total = 0.0
        for slug, weight in concepts.items():
            slots, weights = self._concept_postings.get(slug)
            idf = math.log(1.0 + alive / (int(self._alive[slots].sum()) + 1.0))
            total += idf * weight
            if len(slots):
                scores += np.bincount(slots, weights=idf * weight * weights, minlength=size).astype(np.float32)
        return scores / total if total else scores

    def _semantic_scores(self, vector) -> np.ndarray:
        """Every document's closeness to `vector` (0..1 on the backend's scale; 0 without a vector)."""
        size = self._size()
        if not self.fits(vector):
            return np.zeros(size, dtype=np.float32)
        if self._latent is not None:
            cosines = self._latent.scores(vector.indices, vector.values, size)
        else:
            cosines = self._vectors[:size] @ vector.astype(np.float32)
        closeness = self.embedder.closeness(cosines).astype(np.float32)
        closeness[~self._has_vector[:size]] = 0.0
        return closeness

    def _weights(self, signals: tuple[str, ...], semantic_on: bool) -> tuple[float, float, float]:
        w = self.weights
        lexical = w.lexical if "lexical" in signals else 0.0
        concepts = w.concepts if "concepts" in signals else 0.0
        semantic = w.semantic if "semantic" in signals and semantic_on else 0.0
        total = lexical + concepts + semantic or 1.0
        return lexical / total, concepts / total, semantic / total

    def _signals(self, cache_key: tuple, make_query, signals: tuple[str, ...], keep=None):
        """The query's vector and its lexical, concept and closeness scores for every slot, computed once for a
        `cache_key` until the index changes."""
        cached = self._scores.get(cache_key)
        if cached is not None:
            return cached[:4]
        qv = make_query()
        size = self._size()
        lexical = self._lexical_scores(qv.terms) if "lexical" in signals else np.zeros(size, np.float32)
        concepts = self._concept_scores(qv.concepts) if "concepts" in signals else np.zeros(size, np.float32)
        closeness = self._semantic_scores(qv.vector if "semantic" in signals else None)
        while len(self._scores) >= SCORES_KEPT:
            del self._scores[next(iter(self._scores))]
        self._scores[cache_key] = (qv, lexical, concepts, closeness, keep)
        return qv, lexical, concepts, closeness

    def _rank(self, cache_key: tuple, make_query, query: Query, mask: np.ndarray, keep=None) -> list[Hit]:
        signals = query.signals
        qv, lexical, concepts, closeness = self._signals(cache_key, make_query, signals, keep)
        semantic_on = "semantic" in signals and self.fits(qv.vector)
        lexical_norm = _relative(lexical, mask)
        semantic = _relative(closeness, mask)
        wl, wc, ws = self._weights(signals, semantic_on)
        score = wl * lexical_norm + wc * concepts + ws * semantic
        eligible = mask & ((lexical > 0) | (concepts > 0) | (closeness >= self.weights.min_closeness))
        candidates = np.flatnonzero(eligible)
        if len(candidates) > query.top:
            top = candidates[np.argpartition(-score[candidates], query.top - 1)[: query.top]]
        else:
            top = candidates
        # Best first; ties by key so that results are stable.
        order = sorted(top.tolist(), key=lambda s: (-float(score[s]), self._keys[s]))
        words = self._matched_words([slot for slot in order if lexical[slot] > 0], qv.terms)
        hits = []
        for slot in order:
            hits.append(Hit(
                key=self._keys[slot], kind=KINDS[self._kind[slot]], score=round(float(score[slot]), 4),
                lexical=round(float(lexical_norm[slot]), 4), concepts=round(float(concepts[slot]), 4),
                semantic=round(float(semantic[slot]), 4),
                words=words.get(slot, []),
                shared=[c for c in qv.concepts if c in self._concepts[slot]],
                closeness=round(float(closeness[slot]), 3) if semantic_on else None,
            ))
        return hits

    def _matched_words(self, slots: list[int], terms: dict[str, dict[str, str]]) -> dict[int, list[str]]:
        """For each of these slots, the query's words (as typed) that its document contains."""
        found: dict[int, list[str]] = {slot: [] for slot in slots}
        by_language: dict[str, list[int]] = {}
        for slot in slots:
            by_language.setdefault(LANGUAGES[self._language[slot]], []).append(slot)
        for lang, wanted in by_language.items():
            wanted_array = np.asarray(wanted, dtype=np.int32)
            for stem, surface in terms.get(lang, {}).items():
                postings, _ = self._lexical[lang].get(stem)
                if not len(postings):
                    continue
                # A posting list holds its slots in increasing order (new documents take new, higher slots).
                at = np.minimum(np.searchsorted(postings, wanted_array), len(postings) - 1)
                for slot in wanted_array[postings[at] == wanted_array].tolist():
                    found[slot].append(surface)
        return found

    # -- queries ---------------------------------------------------------------------------------------------

    def query_language(self, text: str, language: str | None) -> str | None:
        return language if language in LANGUAGES else detect_language(text)

    def _text_query(self, query: Query) -> _QueryVector:
        language = self.query_language(query.text, query.language)
        terms: dict[str, dict[str, str]] = {}
        present = {LANGUAGES[i] for i in np.unique(self._language[: self._size()][self._alive[: self._size()]])}
        for lang in present:
            stems: dict[str, str] = {}
            for token in analyse(query.text, lang):
                stems.setdefault(token.stem, token.surface)
            terms[lang] = stems
        tagged: dict[str, float] = {}
        for lang in [language] if language else LANGUAGES:
            for match in self.tagger.tag(query.text, lang):
                tagged[match.slug] = 1.0
        vector = None
        if "semantic" in query.signals and self.embedder.dim and query.text.strip():
            vector = self._query_vector(query.text)
        return _QueryVector(terms=terms, concepts=self.tagger.expand(tagged), vector=vector)

    def _query_vector(self, text: str) -> np.ndarray | SparseVector:
        """A query's embedding, remembered for a while: one search asks once per kind, and again for more results
        when the viewer may not see enough of the first ones."""
        vector = self._query_vectors.pop(text, None)
        if vector is None:
            vector = self.embedder.queries([text])[0]
        self._query_vectors[text] = vector
        while len(self._query_vectors) > QUERY_VECTORS_KEPT:
            del self._query_vectors[next(iter(self._query_vectors))]
        return vector

    def search(self, query: Query) -> list[Hit]:
        if not query.text.strip():
            return []
        key = ("text", query.text, query.language, query.signals)
        return self._rank(key, lambda: self._text_query(query), query, self._mask(query))

    def _document_query(self, doc: Analysed, signals: tuple[str, ...], top_terms: int = 25) -> _QueryVector:
        """A document used as a query: its most distinctive words (in its language), its concepts, its vector."""
        postings = self._lexical[doc.language]
        n_docs = max(len(self._slot_of), 1)
        ranked = sorted(
            doc.terms.items(),
            key=lambda item: -item[1] * math.log(1.0 + n_docs / (len(postings.get(item[0])[0]) + 1.0)),
        )
        terms = {doc.language: {stem: stem for stem, _ in ranked[:top_terms]}}
        vector = doc.vector if self.fits(doc.vector) and "semantic" in signals else None
        return _QueryVector(terms=terms, concepts=dict(doc.concepts), vector=vector)

    def _document_key(self, doc: Analysed, query: Query) -> tuple:
        # The object's id is part of the key, and the cached query keeps the object referenced so that the id is
        # not reused: a document with the same key but other content is another query.
        return ("document", doc.key, id(doc), query.signals)

    def similar(self, doc: Analysed, query: Query) -> list[Hit]:
        """Documents like `doc` ("more like this"), within the query's kinds and filters."""
        hits = self._rank(self._document_key(doc, query), lambda: self._document_query(doc, query.signals), query,
                          self._mask(replace(query, exclude=query.exclude | {doc.key})), keep=doc)
        for hit in hits:
            hit.words = []  # the words of a document-as-query are stems, not what a person typed
        return hits

    def partners(self, doc: Analysed, query: Query, *, international: bool = False, pool: int = 300) -> list[Hit]:
        """Organisations that complete `doc`'s organisation: close in topic, from another helix, bringing concepts
        it lacks, and from other countries when the aim is an EU call (`international`)."""
        wide = replace(query, top=pool, kinds=("organisation",), exclude=query.exclude | {doc.key})
        candidates = self._rank(self._document_key(doc, query), lambda: self._document_query(doc, query.signals),
                                wide, self._mask(wide), keep=doc)
        own_helix = set(doc.facets.get("helix", []))
        own_countries = set(doc.facets.get("country", []))
        own_concepts = set(doc.concepts)
        for hit in candidates:
            facets = self.facets_of(hit.key)
            slot = self._slot_of[hit.key]
            their = self._concepts[slot]
            hit.brings = [c for c in their if c not in own_concepts and self.tagger.entries.get(c) is not None][:5]
            other_helix = bool(own_helix) and not own_helix & set(facets.get("helix", []))
            other_country = bool(own_countries) and not own_countries & set(facets.get("country", []))
            complement = min(len(hit.brings), 4) / 4
            relevance = hit.score
            hit.reasons = (["other_helix"] if other_helix else []) + (
                ["other_country"] if international and other_country else [])
            # For an EU call a partner from another country counts about as much as one from another helix.
            if international:
                score = 0.45 * relevance + 0.2 * other_helix + 0.1 * complement + 0.25 * other_country
            else:
                score = 0.65 * relevance + 0.25 * other_helix + 0.1 * complement
            hit.score = round(score, 4)
            hit.words = []
        candidates.sort(key=lambda h: (-h.score, h.key))
        return candidates[: query.top]


def _relative(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Scores relative to the best among the documents the query may return (0..1)."""
    best = float(scores[mask].max()) if mask.any() else 0.0
    return scores / best if best > 0 else scores
