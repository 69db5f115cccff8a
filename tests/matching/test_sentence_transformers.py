"""The sentence-transformers backend, with a tiny model built here and saved to a local folder (nothing is
downloaded). It needs torch and sentence-transformers, which are an optional install: `scripts/test.sh` runs these
tests in a pass of their own, in a virtualenv that has them (`-m sentence_transformers`)."""

from __future__ import annotations

import numpy as np
import pytest

from filiera.matching.engine.embeddings import make_embedder
from filiera.matching.engine.ranker import Document, MatchIndex, Query, analyse_document
from filiera.matching.engine.vocabulary import Tagger

pytestmark = pytest.mark.sentence_transformers

WORDS = ("hip knee replacement prostheses software accounting bookkeeping protesi anca ginocchio regnskab hospital "
         "robot wheelchair query passage :").split()


def _tiny_model(folder) -> str:
    """A 2-layer BERT with a 20-word vocabulary and mean pooling, saved as a sentence-transformers model."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    vocabulary = folder / "vocab.txt"
    vocabulary.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]))
    torch.manual_seed(0)
    bert = BertModel(BertConfig(vocab_size=len(WORDS) + 5, hidden_size=32, num_hidden_layers=2,
                                num_attention_heads=2, intermediate_size=64, max_position_embeddings=64))
    source = folder / "bert"
    bert.save_pretrained(source)
    BertTokenizerFast(vocab=str(vocabulary)).save_pretrained(source)
    transformer = Transformer(str(source), max_seq_length=32)
    model = SentenceTransformer(modules=[transformer, Pooling(transformer.get_embedding_dimension())])
    return model


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    pytest.importorskip("sentence_transformers")
    folder = tmp_path_factory.mktemp("models")
    model = _tiny_model(folder)
    paths = {"plain": folder / "tiny-minilm", "e5": folder / "tiny-multilingual-e5"}
    for path in paths.values():
        model.save(str(path))
    return {name: str(path) for name, path in paths.items()}


def test_loads_a_local_folder_and_gives_unit_vectors(models):
    embedder = make_embedder(f"sentence-transformers:{models['plain']}")
    assert embedder.dim == 32 and not embedder.sparse
    assert embedder.name == f"sentence-transformers:{models['plain']}"
    vectors = embedder.passages(["hip knee replacement", "accounting software", ""])
    assert vectors.shape == (3, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert np.array_equal(embedder.from_bytes(embedder.to_bytes(vectors[0])), vectors[0])
    # A model without e5 in its name reads texts as they are: a query and a passage of one text are one vector.
    assert np.allclose(embedder.queries(["hip knee replacement"])[0], vectors[0], atol=1e-6)


def test_e5_models_get_their_query_and_passage_prefixes(models):
    embedder = make_embedder(f"sentence-transformers:{models['e5']}")
    query, passage = embedder.queries(["hip knee replacement"])[0], embedder.passages(["hip knee replacement"])[0]
    assert not np.allclose(query, passage, atol=1e-4)
    assert np.allclose(query, embedder._model.encode(["query: hip knee replacement"], normalize_embeddings=True)[0],
                       atol=1e-5)


def test_the_index_ranks_with_its_vectors(models):
    embedder = make_embedder(f"sentence-transformers:{models['plain']}")
    tagger = Tagger([])
    texts = {"organisation:1": "accounting bookkeeping software", "organisation:2": "hip knee replacement prostheses",
             "organisation:3": "hospital robot wheelchair"}
    index = MatchIndex(tagger, embedder)
    vectors = dict(zip(texts, embedder.passages(list(texts.values())), strict=True))
    for key_, text in texts.items():
        index.put(analyse_document(Document(key_, "organisation", "en", text, vector=vectors[key_]), tagger))
    query = "hip knee replacement prostheses"
    hits = index.search(Query(text=query, language="en", signals=("semantic",)))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # Each hit's closeness is its cosine to the query on the backend's scale (a random model's cosines are all
    # high, so several reach the ceiling; the document with the query's very text is one of them).
    cosines = {key_: float(vector @ embedder.queries([query])[0]) for key_, vector in vectors.items()}
    for hit in hits:
        expected = min(max((cosines[hit.key] - embedder.floor) / (embedder.ceiling - embedder.floor), 0.0), 1.0)
        assert hit.closeness == pytest.approx(expected, abs=1e-3)
    assert cosines["organisation:2"] == pytest.approx(1.0, abs=1e-5) == max(cosines.values())


@pytest.mark.django_db
def test_the_service_stores_and_searches_with_the_backend(models, settings, cluster_a, vocabulary):
    from filiera.core.access import viewer_for
    from filiera.directory.models import Membership, Organisation
    from filiera.matching import services
    from filiera.matching.models import IndexEntry

    settings.MATCHING_EMBEDDINGS = f"sentence-transformers:{models['plain']}"
    organisation = Organisation.objects.create(name="Protesi Su Misura Srl", slug="protesi", kind="sme",
                                               country="IT", language="it", description="protesi anca ginocchio")
    Membership.objects.create(organisation=organisation, cluster=cluster_a, status=Membership.Status.ACTIVE)
    services.index_organisations([organisation.pk])
    entry = IndexEntry.objects.get(kind="organisation", object_id=organisation.pk)
    assert entry.embedder == settings.MATCHING_EMBEDDINGS and len(bytes(entry.vector)) == 32 * 4
    matches = services.search(viewer_for(None), "protesi anca ginocchio", language="it")
    assert matches[0].object == organisation and matches[0].closeness is not None
