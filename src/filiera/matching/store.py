"""The in-memory index of this process, kept in step with the stored index rows.

Each search first asks the database for the count and the highest id of the rows (one small query), reads only the
rows it has not seen, and reloads everything when the counts do not add up (a rebuild, a restored backup, a test
database rolled back)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max

from filiera.core.models import Concept
from filiera.matching.documents import analysed_from_entry, key
from filiera.matching.engine.embeddings import Embedder, make_embedder
from filiera.matching.engine.ranker import MatchIndex, Weights
from filiera.matching.engine.vocabulary import ConceptEntry, Tagger
from filiera.matching.models import IndexEntry

BATCH = 2000


def concept_entries() -> list[ConceptEntry]:
    broader = dict(Concept.objects.filter(broader__isnull=False).values_list("pk", "broader__slug"))
    return [
        ConceptEntry(slug=c.slug, labels=c.labels or {}, synonyms=c.synonyms or {}, broader=broader.get(c.pk))
        for c in Concept.objects.all()
    ]


_embedders: dict[str, Embedder] = {}


def embedder() -> Embedder:
    """The configured embeddings backend (settings.MATCHING_EMBEDDINGS), loaded once per process."""
    spec = settings.MATCHING_EMBEDDINGS
    if spec not in _embedders:
        _embedders[spec] = make_embedder(spec)
    return _embedders[spec]


@dataclass
class _State:
    index: MatchIndex
    vocabulary: tuple[int, int]  # concept count and highest id, to notice a changed vocabulary
    embedder: str
    rows: int = 0
    last_id: int = 0
    known: set[str] | None = None  # keys with a row (live or tombstone)


class IndexStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: _State | None = None

    def tagger(self) -> Tagger:
        return self.get().tagger

    def get(self) -> MatchIndex:
        with self._lock:
            vocabulary = tuple(Concept.objects.aggregate(n=Count("pk"), last=Max("pk")).values())
            vocabulary = (vocabulary[0] or 0, vocabulary[1] or 0)
            backend = embedder()
            state = self._state
            if state is None or state.vocabulary != vocabulary or state.embedder != backend.name:
                state = self._state = _State(
                    index=MatchIndex(Tagger(concept_entries()), backend, Weights(**settings.MATCHING_WEIGHTS)),
                    vocabulary=vocabulary, embedder=backend.name, known=set(),
                )
            self._catch_up(state)
            return state.index

    def _catch_up(self, state: _State) -> None:
        totals = IndexEntry.objects.aggregate(n=Count("pk"), last=Max("pk"))
        rows, last = totals["n"] or 0, totals["last"] or 0
        if rows == state.rows and last == state.last_id:
            return
        if last < state.last_id:
            self._reload(state)
            return
        expected = state.rows
        for entry in self._entries_after(state.last_id, last):
            entry_key = key(entry.kind, entry.object_id)
            if entry_key not in state.known:
                expected += 1
                state.known.add(entry_key)
            self._apply(state, entry)
        if expected != rows:
            self._reload(state)
            return
        state.rows, state.last_id = rows, last

    def _entries_after(self, last_id: int, upto: int | None = None):
        rows = IndexEntry.objects.filter(pk__lte=upto) if upto is not None else IndexEntry.objects.all()
        while True:
            batch = list(rows.filter(pk__gt=last_id).order_by("pk")[:BATCH])
            if not batch:
                return
            yield from batch
            last_id = batch[-1].pk

    def _apply(self, state: _State, entry: IndexEntry) -> None:
        if entry.deleted:
            state.index.remove(key(entry.kind, entry.object_id))
        else:
            state.index.put(analysed_from_entry(entry, state.index.embedder.dim, state.embedder))
        state.last_id = max(state.last_id, entry.pk)

    def _reload(self, state: _State) -> None:
        state.index._clear()
        state.known, state.rows, state.last_id = set(), 0, 0
        for entry in self._entries_after(0):
            state.known.add(key(entry.kind, entry.object_id))
            self._apply(state, entry)
            state.rows += 1
        state.index.compact()

    def reset(self) -> None:
        with self._lock:
            self._state = None


index_store = IndexStore()
