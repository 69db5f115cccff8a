"""Groups the needs voiced about a challenge into themes with readable labels: a pure engine (numpy and the matching
engine's text analysis, no Django). Plain dataclasses in, plain dataclasses out.

A need is seen through the three signals the matching engine ranks with (`filiera.matching.engine`):
- words: TF-IDF over its Snowball stems in its own language; languages meet only where they share a word
  ("telemedicina" in Italian and Spanish);
- concepts: the concepts of the multilingual vocabulary it names (and their broader ones at half weight), each
  weighted by its rarity among the challenge's needs: the bridge between languages where a need names one;
- latent: the vector of the embeddings backend (e5 latent terms by default: a sparse vector of meanings shared
  across languages), its features weighted by their rarity among the needs like words.

The latent vectors are centred on their language (see `_centred`: e5's latent features say which language a text is
in as loudly as what it is about; words and concepts need no centring, a word or a concept is in no language or in
one only). Two needs' similarity is the cosine of their combined representation, the signals side by side,
weighted; a need that lacks a signal (names no concept) is compared on the others; and it is taken relative to two
needs of the challenge at random, whose similarity is 0. The needs are grouped by average-linkage agglomerative
clustering: the two groups whose needs are on average the most alike merge, again and again, until no two groups
are at least `threshold` alike (or, with `max_themes`, until no more themes than that remain). Groups smaller than
`min_size` are left ungrouped for staff to place. The default weights and threshold were chosen on half of the
labelled set of bench/theme_grouping.py and checked on the other half (docs/benchmarks.md).

A theme is labelled with its most characteristic concepts in the requested language ("Digital inclusion", "Heart
failure · ECG and cardiac monitoring"): with a latent signal, the concepts whose vectors are closest to its needs'
and, less, those its needs name more often than the challenge's other needs do (`_scored`); a theme no concept fits
is labelled with its most characteristic words. Staff then merge, split and rename themes with `merge`, `split` and
`relabel`, which return a new grouping and leave the one given unchanged. Everything is deterministic: needs are
taken in the order of their ids and ties go to the lowest.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from filiera.matching.engine.embeddings import Embedder, SparseVector
from filiera.matching.engine.text import LANGUAGES, analyse
from filiera.matching.engine.vocabulary import ConceptEntry, Tagger

VOCABULARY_FILE = Path(__file__).resolve().parent.parent / "core" / "vocabulary" / "concepts.json"
SEPARATOR = " · "
LABEL_CONCEPTS = 2  # concepts in a label at most
LABEL_SECOND = 0.85  # the second concept joins the label when it scores at least this share of the first's
LABEL_MIN_SUPPORT = 0.34  # without a latent signal, a concept labels a theme when a third of its needs name it
LABEL_NAMED_WEIGHT = 0.05  # a concept's share of the theme's needs naming it, against its closeness (see _scored)
KEYWORDS = 5
THRESHOLD = 0.01  # see the module's docstring
CENTRE_PRIOR = 4.0  # see _centred


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in the similarity of two needs, relative to the others (a need's length counts
    only the signals it has). The defaults are the best of a grid on the tuning half of bench/theme_grouping.py's
    set: words there add nothing the latent terms do not already carry (they still give a theme its keywords), and
    concepts get a tenth of the latent terms' weight (their cosines, not centred, run much higher)."""

    words: float = 0.0
    concepts: float = 0.1
    latent: float = 1.0


WEIGHTS = Weights()


@dataclass(frozen=True)
class Need:
    id: int
    text: str
    language: str
    actor: str = ""  # the kind of actor who voiced it: "gp", "nurse", "carer", ...
    concepts: tuple[str, ...] = ()  # concept slugs staff tagged it with, on top of those its text names
    vector: SparseVector | np.ndarray | None = None  # from the embedder, when the caller has it stored


@dataclass(frozen=True)
class Theme:
    needs: list[int]  # the most central need first
    label: str
    concepts: list[str]  # the most characteristic concept slugs, best first
    keywords: list[str]  # the most characteristic words, as written
    cohesion: float = 1.0  # the mean similarity of two of its needs (0: two needs of the challenge at random)
    actors: dict[str, int] = field(default_factory=dict)  # kind of actor -> needs they voiced
    named: bool = False  # the label was given by staff: relabelling in another language keeps it


@dataclass
class Space:
    """The needs as the engine compares them: what `group` computes once and `merge`, `split` and `relabel` reuse.
    A service that stored a grouping rebuilds it with `represent` and `Grouping(themes, ungrouped, space)`."""

    needs: list[Need]  # by id
    concepts: list[dict[str, float]]  # per need: concept slug -> weight (1 named or tagged, 0.5 broader)
    words: list[dict[str, str]]  # per need: stem -> the word as written
    similarity: np.ndarray  # needs × needs
    tagger: Tagger
    signals: tuple[str, ...]  # the signals the similarity was computed from
    # With a latent signal: each need's closeness to each concept of the vocabulary (the cosine of their vectors,
    # minus the concept's mean over the needs in that language), so that a theme can be labelled with a concept
    # none of its needs names.
    closeness: np.ndarray | None = None  # needs × concepts
    closeness_slugs: list[str] = field(default_factory=list)
    row: dict[int, int] = field(default_factory=dict)  # need id -> row

    def __post_init__(self) -> None:
        self.row = {need.id: i for i, need in enumerate(self.needs)}

    def rows(self, ids: list[int]) -> list[int]:
        return [self.row[i] for i in ids]


@dataclass
class Grouping:
    themes: list[Theme]  # the largest first
    ungrouped: list[int]  # needs that fit no theme, by id
    space: Space = field(repr=False, compare=False)
    language: str = "en"  # of the labels


# -- representation ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def vocabulary_tagger(path: Path = VOCABULARY_FILE) -> Tagger:
    """A tagger of the shipped vocabulary (a service passes the tagger of the vocabulary in its database)."""
    entries = json.loads(Path(path).read_text(encoding="utf-8"))["concepts"]
    return Tagger([ConceptEntry(e["slug"], e["labels"], e.get("synonyms", {}), e.get("broader")) for e in entries])


def represent(needs: list[Need], *, tagger: Tagger | None = None, embedder: Embedder | None = None,
              weights: Weights = WEIGHTS) -> Space:
    """The needs' concepts, words and pairwise similarity. Without an `embedder` (or one with no semantic signal)
    the latent signal is off; needs without a vector of the embedder's kind are given one."""
    needs = sorted(needs, key=lambda n: n.id)
    if len({n.id for n in needs}) != len(needs):
        raise ValueError("two needs have the same id")
    tagger = vocabulary_tagger() if tagger is None else tagger
    concepts, words, counts = [], [], []
    for need in needs:
        language = _language(need)
        tokens = analyse(need.text, language)  # once, for the words and for the concepts
        concepts.append(tagger.profile(need.text, language, list(need.concepts), tokens))
        # Stems of one or two letters are mostly leftovers ("l'", "d'"); numbers say nothing about a theme.
        kept = [t for t in tokens if len(t.stem) > 2 and not t.stem.isdigit()]
        counts.append(Counter(t.stem for t in kept))
        written: dict[str, str] = {}
        for token in kept:
            written.setdefault(token.stem, token.surface.lower())
        words.append(written)
    languages = [_language(n) for n in needs]
    blocks: list[tuple[float, np.ndarray, bool]] = []  # (weight, rows, centred on their language)
    signals = []
    if weights.words > 0 and any(counts):
        blocks.append((weights.words, _weighted({s: 1.0 + math.log(c) for s, c in p.items()} for p in counts), False))
        signals.append("words")
    if weights.concepts > 0 and any(concepts):
        blocks.append((weights.concepts, _weighted(concepts), False))
        signals.append("concepts")
    closeness, slugs = None, []
    if weights.latent > 0 and embedder is not None and embedder.dim:
        vectors = _vectors(needs, embedder)
        features = _features(vectors, embedder)
        matrix = _matrix(vectors, embedder, features)
        df = (matrix > 0).sum(axis=0)
        # Sparse features are weighted by their idf among the needs, like words: a feature that lights up for
        # every need (older people, health care) tells them apart no more than a common word.
        idf = np.log(1.0 + len(needs) / np.maximum(df, 1)) if embedder.sparse else np.ones(matrix.shape[1])
        weighted = matrix * idf.astype(np.float32)
        if weighted.any():
            blocks.append((weights.latent, weighted, True))
            signals.append("latent")
        slugs, label_vectors = concept_vectors(tagger, embedder)
        if slugs:
            concepts_matrix = _weighted_concepts(label_vectors, embedder, features, idf, len(needs))
            closeness = _unit(weighted) @ concepts_matrix.T
            closeness = _centred(closeness, languages, np.linalg.norm(matrix, axis=1) > 0, unit=False)
    similarity = _combined_cosines(blocks, languages)
    return Space(needs, concepts, words, similarity, tagger, tuple(signals), closeness, slugs)


def _language(need: Need) -> str:
    return need.language if need.language in LANGUAGES else "en"


def _weighted(profiles) -> np.ndarray:
    """Profiles ({feature: weight}) as rows of a matrix, each feature weighted by its idf among them."""
    profiles = list(profiles)
    df = Counter(feature for profile in profiles for feature in profile)
    column = {feature: j for j, feature in enumerate(sorted(df))}
    matrix = np.zeros((len(profiles), len(column)), dtype=np.float32)
    for i, profile in enumerate(profiles):
        for feature, weight in profile.items():
            matrix[i, column[feature]] = weight * math.log(1.0 + len(profiles) / df[feature])
    return matrix


def _vectors(needs: list[Need], embedder: Embedder) -> list:
    fits = [_fits(n.vector, embedder) for n in needs]
    missing = [i for i, ok in enumerate(fits) if not ok and needs[i].text.strip()]
    computed = dict(zip(missing, embedder.passages([needs[i].text for i in missing]), strict=True)) if missing else {}
    return [needs[i].vector if fits[i] else computed.get(i) for i in range(len(needs))]


def _fits(vector, embedder: Embedder) -> bool:
    if vector is None:
        return False
    if embedder.sparse:
        return isinstance(vector, SparseVector)
    return not isinstance(vector, SparseVector) and len(vector) == embedder.dim


def _features(vectors: list, embedder: Embedder) -> np.ndarray | None:
    """The sparse features some need uses (a few thousand of the 16,384), each a column; None for dense vectors."""
    if not embedder.sparse:
        return None
    used = [v.indices for v in vectors if v is not None and len(v)]
    return np.unique(np.concatenate(used)) if used else np.zeros(0, dtype=np.int32)


def _matrix(vectors: list, embedder: Embedder, features: np.ndarray | None) -> np.ndarray:
    """The vectors as rows (sparse ones on the columns of `features`; other features are left out: they meet no
    need's)."""
    if features is None:
        return np.array([v if v is not None else np.zeros(embedder.dim) for v in vectors],
                        dtype=np.float32).reshape(len(vectors), embedder.dim)
    matrix = np.zeros((len(vectors), len(features)), dtype=np.float32)
    for i, vector in enumerate(vectors):
        if vector is None or not len(vector):
            continue
        at = np.searchsorted(features, vector.indices)
        known = (at < len(features)) & (features[np.minimum(at, len(features) - 1)] == vector.indices)
        matrix[i, at[known]] = vector.values[known]
    return matrix


def _weighted_concepts(vectors: list, embedder: Embedder, features: np.ndarray | None, idf: np.ndarray,
                       n: int) -> np.ndarray:
    """The concepts' vectors weighted like the needs' (a feature no need uses has the highest idf) and made unit
    vectors over all their features, then kept on the needs' features: the cosines with the needs' vectors."""
    matrix = _matrix(vectors, embedder, features) * idf.astype(np.float32)
    if features is None:
        return _unit(matrix)
    norms = np.zeros(len(vectors), dtype=np.float32)
    for i, vector in enumerate(vectors):
        at = np.minimum(np.searchsorted(features, vector.indices), max(len(features) - 1, 0))
        known = (features[at] == vector.indices) if len(features) else np.zeros(len(vector), dtype=bool)
        weight = np.where(known, idf[at] if len(features) else 0.0, math.log(1.0 + n))
        norms[i] = np.linalg.norm(vector.values * weight)
    return np.divide(matrix, norms[:, None], out=np.zeros_like(matrix), where=norms[:, None] > 0)


# The vocabulary's concepts as vectors (their English label), per tagger and backend: encoding a few hundred labels
# takes seconds, so a process does it once (the tagger is kept with them, so its id is not reused meanwhile).
_CONCEPT_VECTORS: dict[tuple[int, str], tuple[Tagger, list[str], list]] = {}


def concept_texts(tagger: Tagger) -> tuple[list[str], list[str]]:
    """The vocabulary's concepts (slugs, sorted) and the texts their vectors are computed from."""
    slugs = sorted(tagger.entries)
    return slugs, [concept_label(tagger, slug, "en") for slug in slugs]


def remember_concept_vectors(tagger: Tagger, embedder: Embedder, vectors: list) -> None:
    """Give the engine the vectors of `concept_texts(tagger)` computed earlier (a service keeps them on disk: with
    e5 latent terms, the 400 labels of the shipped vocabulary take 10 s to compute)."""
    slugs, _texts = concept_texts(tagger)
    if len(vectors) != len(slugs):
        raise ValueError("one vector per concept of the tagger")
    while len(_CONCEPT_VECTORS) >= 4:
        del _CONCEPT_VECTORS[next(iter(_CONCEPT_VECTORS))]
    _CONCEPT_VECTORS[(id(tagger), embedder.name)] = (tagger, slugs, list(vectors))


def concept_vectors(tagger: Tagger, embedder: Embedder) -> tuple[list[str], list]:
    """The vocabulary's concepts and their vectors, computed once per tagger and embedder."""
    if (id(tagger), embedder.name) not in _CONCEPT_VECTORS:
        slugs, texts = concept_texts(tagger)
        remember_concept_vectors(tagger, embedder, embedder.passages(texts) if slugs else [])
    entry = _CONCEPT_VECTORS[(id(tagger), embedder.name)]
    return entry[1], entry[2]


def knows_concept_vectors(tagger: Tagger, embedder: Embedder) -> bool:
    return (id(tagger), embedder.name) in _CONCEPT_VECTORS


def _combined_cosines(blocks: list[tuple[float, np.ndarray, bool]], languages: list[str]) -> np.ndarray:
    """The cosines of the needs' combined representation: each signal's rows made unit vectors and centred on
    their language, then weighted by the square root of the signal's weight and put side by side. A need without
    a signal (no concept named, no vector) has no part there: its cosine is over the signals it has."""
    n = len(languages)
    products = np.zeros((n, n))
    norms = np.zeros(n)
    for weight, matrix, centred in blocks:
        present = np.linalg.norm(matrix, axis=1) > 0
        rows = _centred(_unit(matrix), languages, present) if centred else _unit(matrix)
        products += weight * (rows @ rows.T)
        norms += weight * np.sum(rows * rows, axis=1)
    norms = np.sqrt(norms)
    outer = np.outer(norms, norms)
    similarity = np.divide(products, outer, out=np.zeros_like(products), where=outer > 0)
    if n > 1:
        # Relative to two needs of the challenge taken at random: how much centring takes away depends on how many
        # needs each language has, and the threshold should mean the same for a workshop of ten needs and of 500.
        similarity -= (similarity.sum() - np.trace(similarity)) / (n * (n - 1))
    np.fill_diagonal(similarity, 1.0)
    return similarity


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _centred(rows: np.ndarray, languages: list[str], present: np.ndarray, unit: bool = True) -> np.ndarray:
    """Each row minus the mean of its language's rows, made a unit vector again. e5's latent features carry the
    language as much as the meaning: on the labelled set of bench/theme_grouping.py, a need's most similar need is
    in its own language two times in three uncentred (and then about something else most of the time), and about
    as often as chance has it (28 %) centred, when it is about the same thing two times in three. The mean is shrunk
    towards zero (as if CENTRE_PRIOR empty rows were added) so that a language with one or two needs is not
    centred away. Rows without the signal (`present` false) stay empty and out of the means. `unit`:
    the rows are vectors, made unit vectors again."""
    centred = rows.copy()
    codes = np.array(languages)
    for language in sorted(set(languages)):
        mine = (codes == language) & present
        centred[mine] -= rows[mine].sum(axis=0) / (mine.sum() + CENTRE_PRIOR)
    centred[~present] = 0.0
    return _unit(centred) if unit else centred


# -- grouping ---------------------------------------------------------------------------------------------------


def group(needs: list[Need] | Space, *, min_size: int = 2, threshold: float = THRESHOLD,
          max_themes: int | None = None, language: str = "en", tagger: Tagger | None = None,
          embedder: Embedder | None = None, weights: Weights = WEIGHTS) -> Grouping:
    """The needs grouped into themes, the largest first; the needs of groups smaller than `min_size` are ungrouped.
    `max_themes` goes on merging below the threshold until no more themes than that remain. `needs` may be a Space
    from `represent` (then `tagger`, `embedder` and `weights` are those it was made with)."""
    space = needs if isinstance(needs, Space) else represent(needs, tagger=tagger, embedder=embedder,
                                                             weights=weights)
    min_size = max(min_size, 1)

    def themes_left(sizes: list[int]) -> bool:
        return max_themes is not None and sum(size >= min_size for size in sizes) > max_themes

    clusters = _average_linkage(space.similarity, threshold, themes_left)
    grouped = [c for c in clusters if len(c) >= min_size]
    ungrouped = sorted(space.needs[i].id for c in clusters if len(c) < min_size for i in c)
    themes = [_theme(space, [space.needs[i].id for i in c], language) for c in grouped]
    themes.sort(key=lambda t: (-len(t.needs), -t.cohesion, min(t.needs)))
    return Grouping(_distinct_labels(space, themes, language), ungrouped, space, language)


def _average_linkage(similarity: np.ndarray, threshold: float, go_on=None) -> list[list[int]]:
    """Average-linkage agglomerative clustering of the rows: the most similar pair of groups merges (ties: the
    lowest rows) while it is at least `threshold` alike, or while `go_on(sizes)` says so."""
    n = len(similarity)
    linkage = similarity.astype(np.float64, copy=True)
    np.fill_diagonal(linkage, -np.inf)
    members = [[i] for i in range(n)]
    alive = n
    while alive > 1:
        flat = int(np.argmax(linkage))
        i, j = divmod(flat, n)  # i < j: the first maximum in row order
        best = linkage[i, j]
        if best == -np.inf or (best < threshold and not (go_on and go_on([len(m) for m in members if m]))):
            break
        size_i, size_j = len(members[i]), len(members[j])
        # Lance–Williams: the mean similarity of the merged group to each other group.
        merged = (size_i * linkage[i] + size_j * linkage[j]) / (size_i + size_j)
        linkage[i, :] = merged
        linkage[:, i] = merged
        linkage[i, i] = -np.inf
        linkage[j, :] = -np.inf
        linkage[:, j] = -np.inf
        members[i] = members[i] + members[j]
        members[j] = []
        alive -= 1
    return [sorted(m) for m in members if m]


# -- themes and labels ------------------------------------------------------------------------------------------


def _theme(space: Space, ids: list[int], language: str, label: str | None = None) -> Theme:
    rows = space.rows(ids)
    inner = space.similarity[np.ix_(rows, rows)]
    k = len(rows)
    cohesion = float((inner.sum() - k) / (k * (k - 1))) if k > 1 else 1.0
    centrality = (inner.sum(axis=1) - 1.0) / max(k - 1, 1)
    ordered = [ids[i] for i in sorted(range(k), key=lambda i: (-round(float(centrality[i]), 9), ids[i]))]
    concepts = [slug for slug, _ in _scored(space, rows)]
    keywords = _keywords(space, rows)
    actors = Counter(space.needs[r].actor for r in rows if space.needs[r].actor)
    return Theme(needs=ordered, label=label or _label(space, rows, language), concepts=concepts,
                 keywords=keywords, cohesion=round(cohesion, 4), actors=dict(sorted(actors.items())),
                 named=label is not None)


def _scored(space: Space, rows: list[int], kept: int = 5) -> list[tuple[str, float]]:
    """The concepts most characteristic of these needs, best first, with their scores. With a latent signal a
    concept scores its mean closeness to the needs (each centred on its language, so a concept close to every need
    of the challenge scores nothing), plus LABEL_NAMED_WEIGHT × how much more often the theme's needs name it than
    the others do; so "Digital inclusion" can label needs about booking a visit online that never say it. Without
    one, only concepts named by a third of the needs or more compete, on that share alone. A concept whose
    narrower concept is already chosen is passed over ("Telemedicine" after "Telemonitoring" says nothing more)."""
    inside = set(rows)
    k, rest = len(rows), len(space.needs) - len(rows)
    named_in: Counter = Counter()
    named_out: Counter = Counter()
    for r, profile in enumerate(space.concepts):
        for slug, weight in profile.items():
            (named_in if r in inside else named_out)[slug] += weight

    def named(slug: str) -> float:
        return named_in[slug] / k - (named_out[slug] / rest if rest else 0.0)

    if space.closeness is not None:
        mean = space.closeness[rows].mean(axis=0)
        scores = {slug: float(mean[j]) for j, slug in enumerate(space.closeness_slugs)}
        for slug in named_in:
            scores[slug] = scores.get(slug, 0.0) + LABEL_NAMED_WEIGHT * named(slug)
    else:
        scores = {slug: named(slug) for slug, n in named_in.items() if n / k >= LABEL_MIN_SUPPORT or k == 1}
    ranked = sorted(((score, slug) for slug, score in scores.items() if score > 0), key=lambda x: (-x[0], x[1]))
    chosen: list[tuple[str, float]] = []
    entries = space.tagger.entries
    for score, slug in ranked:
        if any(c in entries and entries[c].broader == slug for c, _ in chosen):
            continue
        chosen.append((slug, round(score, 6)))
        if len(chosen) == kept:
            break
    return chosen


def _keywords(space: Space, rows: list[int], language: str | None = None) -> list[str]:
    """The words most characteristic of these needs (of those in `language` only, when given), as written: those
    they use more often than the challenge's needs at large, rare words first."""
    n = len(space.needs)
    df = Counter(stem for words in space.words for stem in words)
    picked = [r for r in rows if language is None or space.needs[r].language == language]
    counts: Counter = Counter()
    written: dict[str, Counter] = {}
    for r in picked:
        for stem, word in space.words[r].items():
            counts[stem] += 1
            written.setdefault(stem, Counter())[word] += 1

    def score(stem: str) -> float:
        excess = counts[stem] - len(picked) * df[stem] / n  # beyond what a random set of needs would hold
        return (excess if excess > 0 else counts[stem] / n) * math.log(1.0 + n / df[stem])

    scored = sorted(counts, key=lambda stem: (-score(stem), stem))
    return [written[stem].most_common(1)[0][0] for stem in scored[:KEYWORDS]]


def concept_label(tagger: Tagger, slug: str, language: str) -> str:
    entry = tagger.entries.get(slug)
    if entry is None:
        return slug
    return entry.labels.get(language) or entry.labels.get("en") or next(iter(entry.labels.values()), slug)


def _label(space: Space, rows: list[int], language: str) -> str:
    """The best concept's label in `language`, and the second's when it scores nearly as well; with no concept,
    the theme's most characteristic words (from its needs in `language`, if it has some)."""
    scored = _scored(space, rows, LABEL_CONCEPTS)
    if scored:
        best = scored[0][1]
        return SEPARATOR.join(concept_label(space.tagger, slug, language) for slug, score in scored
                              if score >= LABEL_SECOND * best)
    words = _keywords(space, rows, language) or _keywords(space, rows)
    return SEPARATOR.join(w[:1].upper() + w[1:] for w in words[:LABEL_CONCEPTS])


def _distinct_labels(space: Space, themes: list[Theme], language: str) -> list[Theme]:
    """Two computed labels that read the same take one more concept (or word) until they differ."""
    seen: set[str] = set()
    result = []
    for theme in themes:
        label = theme.label
        if not theme.named and label in seen:
            extra = [concept_label(space.tagger, c, language) for c in theme.concepts]
            extra = [e for e in extra if e not in label.split(SEPARATOR)]
            extra += [w for w in theme.keywords if w not in label.lower()]
            for addition in extra:
                label = f"{label}{SEPARATOR}{addition}"
                if label not in seen:
                    break
            theme = replace(theme, label=label)
        seen.add(label)
        result.append(theme)
    return result


# -- what staff do with a grouping ------------------------------------------------------------------------------


def merge(grouping: Grouping, a: int, b: int) -> Grouping:
    """Themes `a` and `b` (positions in `grouping.themes`) as one, labelled anew, at the place of the first."""
    if a == b:
        raise ValueError("a theme cannot be merged with itself")
    first, second = sorted((a, b))
    themes = grouping.themes
    merged = _theme(grouping.space, sorted(themes[first].needs + themes[second].needs), grouping.language)
    kept = [t for i, t in enumerate(themes) if i != second]
    kept[first] = merged
    return _regrouped(grouping, kept, keep=first)


def split(grouping: Grouping, index: int) -> Grouping:
    """Theme `index` re-clustered into two themes (average linkage on its own needs), the larger first, in its
    place."""
    theme = grouping.themes[index]
    if len(theme.needs) < 2:
        raise ValueError("a theme of one need cannot be split")
    space = grouping.space
    ids = sorted(theme.needs)
    rows = space.rows(ids)
    parts = _average_linkage(space.similarity[np.ix_(rows, rows)], math.inf,
                             lambda sizes: len(sizes) > 2)
    parts.sort(key=lambda p: (-len(p), p[0]))
    new = [_theme(space, [ids[i] for i in part], grouping.language) for part in parts]
    themes = grouping.themes[:index] + new + grouping.themes[index + 1:]
    return _regrouped(grouping, themes, keep=None)


def relabel(grouping: Grouping, index: int | None = None, label: str | None = None, *,
            language: str | None = None) -> Grouping:
    """Theme `index` named `label` by staff; without a label, its computed label in `language` (by default the
    grouping's). With no index, every theme's computed label in `language`; labels staff gave are kept."""
    language = language or grouping.language
    space = grouping.space
    if index is None:
        if label is not None:
            raise ValueError("a staff label names one theme")
        themes = [t if t.named else replace(t, label=_label(space, space.rows(t.needs), language))
                  for t in grouping.themes]
        return Grouping(_distinct_labels(space, themes, language), list(grouping.ungrouped), space, language)
    themes = list(grouping.themes)
    theme = themes[index]
    if label is not None and label.strip():
        themes[index] = replace(theme, label=" ".join(label.split()), named=True)
        return Grouping(themes, list(grouping.ungrouped), space, grouping.language)
    themes[index] = replace(theme, label=_label(space, space.rows(theme.needs), language), named=False)
    return _regrouped(grouping, themes, keep=index)


def _regrouped(grouping: Grouping, themes: list[Theme], keep: int | None) -> Grouping:
    """The grouping with these themes, computed labels made distinct (a changed theme's label gives way, not the
    others')."""
    language = grouping.language
    if keep is not None:
        others = [t for i, t in enumerate(themes) if i != keep]
        order = [keep] + [i for i in range(len(themes)) if i != keep]
        relabelled = _distinct_labels(grouping.space, others + [themes[keep]], language)
        by_position = dict(zip(order[1:] + order[:1], relabelled, strict=True))
        themes = [by_position[i] for i in range(len(themes))]
    else:
        themes = _distinct_labels(grouping.space, themes, language)
    return Grouping(themes, list(grouping.ungrouped), grouping.space, language)
