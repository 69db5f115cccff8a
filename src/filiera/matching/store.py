"""The in-memory index of this process, kept in step with the stored index rows.

Each search first checks that the row it read last is still there unchanged (two primary-key lookups), reads only
the rows written since, and reloads everything when that row is gone or another (a restored backup, a test database
rolled back). Rows deleted without a tombstone (a rebuild's clean-up of objects deleted in bulk) may linger in a
process's memory; the services look every result up in the database, so they are never shown."""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max

from filiera.core.models import Concept
from filiera.matching.documents import analysed_from_entry, key
from filiera.matching.engine.embeddings import Embedder, make_embedder
from filiera.matching.engine.ranker import MatchIndex
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
    last_id: int = 0  # the newest row this process has read: its id, when it was written and what it indexes
    last_written: datetime.datetime | None = None
    last_document: tuple[str, int] | None = None


class IndexStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: _State | None = None
        self._tagger: tuple[tuple[int, int], Tagger] | None = None

    @staticmethod
    def _vocabulary() -> tuple[int, int]:
        totals = Concept.objects.aggregate(n=Count("pk"), last=Max("pk"))
        return totals["n"] or 0, totals["last"] or 0

    def _tagger_for(self, vocabulary: tuple[int, int]) -> Tagger:
        if self._tagger is None or self._tagger[0] != vocabulary:
            self._tagger = (vocabulary, Tagger(concept_entries()))
        return self._tagger[1]

    def tagger(self) -> Tagger:
        """The vocabulary's tagger, without loading the index: what a process that writes index rows needs."""
        with self._lock:
            return self._tagger_for(self._vocabulary())

    def get(self) -> MatchIndex:
        return self.current()[0]

    def version(self) -> str:
        return self.current()[1]

    def current(self) -> tuple[MatchIndex, str]:
        """The index, caught up with the stored rows, and its version: the same text in every process that has read
        the same rows (the vocabulary, the newest row and when it was written, the embeddings backend). The version
        changes whenever a row is written, so answers cached under it are those of this very index."""
        with self._lock:
            vocabulary = self._vocabulary()
            backend = embedder()
            state = self._state
            if state is None or state.vocabulary != vocabulary or state.embedder != backend.name:
                state = self._state = _State(
                    index=MatchIndex(self._tagger_for(vocabulary), backend),
                    vocabulary=vocabulary, embedder=backend.name,
                )
            self._catch_up(state)
            return state.index, f"{state.vocabulary}:{state.last_id}:{state.last_written}:{state.embedder}"

    def _catch_up(self, state: _State) -> None:
        if not state.last_id or not self._still_valid(state):
            self._reload(state)  # the first load too: it ends by laying out the posting lists once
            return
        for entry in self._entries_after(state.last_id):
            self._apply(state, entry)

    @staticmethod
    def _still_valid(state: _State) -> bool:
        """Whether the row this process read last is still there unchanged, or was replaced by a newer row for the
        same document (a normal update). Ids are reused after a rollback or a restore; a row's moment is not."""
        written = IndexEntry.objects.filter(pk=state.last_id).values_list("written_at", flat=True).first()
        if written is not None:
            return written == state.last_written
        kind, object_id = state.last_document
        return IndexEntry.objects.filter(kind=kind, object_id=object_id, pk__gt=state.last_id).exists()

    def _entries_after(self, last_id: int):
        while True:
            batch = list(IndexEntry.objects.filter(pk__gt=last_id).order_by("pk")[:BATCH])
            if not batch:
                return
            yield from batch
            last_id = batch[-1].pk

    def _apply(self, state: _State, entry: IndexEntry) -> None:
        if entry.deleted:
            state.index.remove(key(entry.kind, entry.object_id))
        else:
            state.index.put(analysed_from_entry(entry, state.index.embedder))
        if entry.pk > state.last_id:
            state.last_id, state.last_written = entry.pk, entry.written_at
            state.last_document = (entry.kind, entry.object_id)

    def _reload(self, state: _State) -> None:
        state.index._clear()
        state.last_id, state.last_written, state.last_document = 0, None, None
        for entry in self._entries_after(0):
            self._apply(state, entry)
        state.index.compact()


index_store = IndexStore()
