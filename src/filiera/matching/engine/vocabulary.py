"""Tags texts with the concepts of the multilingual vocabulary.

Every label and synonym of a concept, in any language, is a surface form. A form is analysed with the analyser of
the text's language (so an English loan word inside an Italian text still matches), and the longest run of stems
that is a form wins. Short all-capital forms (acronyms such as "AI", "RSA", "KOL") match only when written in
capitals, so that the Italian preposition "ai" is not artificial intelligence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from filiera.matching.engine.text import LANGUAGES, Token, analyse

MAX_FORM_WORDS = 6
_SHORT_WORD = re.compile(r"\b[^\W\d_]{1,4}\b")  # where acronyms can be: short words, as written
BROADER_WEIGHT = 0.5  # a text about "telemonitoring" is also, more loosely, about "telemedicine"


@dataclass(frozen=True)
class ConceptEntry:
    slug: str
    labels: dict[str, str]
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    broader: str | None = None

    def forms(self) -> list[str]:
        forms = [label for label in self.labels.values() if label]
        forms += [s for values in self.synonyms.values() for s in values if s]
        return list(dict.fromkeys(forms))


@dataclass(frozen=True)
class ConceptMatch:
    slug: str
    surface: str  # the words of the text that matched


def _is_acronym(form: str) -> bool:
    letters = form.replace("-", "").replace(" ", "")
    return len(letters) <= 4 and letters.isupper()


class Tagger:
    def __init__(self, entries: list[ConceptEntry]) -> None:
        self.entries = {e.slug: e for e in entries}
        # language -> tuple of stems -> slug; acronyms separately, by their exact spelling
        self._phrases: dict[str, dict[tuple[str, ...], str]] = {lang: {} for lang in LANGUAGES}
        # The proper beginnings of every phrase, so that a scan stops as soon as no phrase can go on.
        self._prefixes: dict[str, set[tuple[str, ...]]] = {lang: set() for lang in LANGUAGES}
        self._acronyms: dict[str, str] = {}
        for entry in entries:
            for form in entry.forms():
                if _is_acronym(form):
                    self._acronyms.setdefault(form.replace("-", ""), entry.slug)
                    continue
                for lang in LANGUAGES:
                    key = tuple(t.stem for t in analyse(form, lang))
                    if key and len(key) <= MAX_FORM_WORDS:
                        self._phrases[lang].setdefault(key, entry.slug)
                        self._prefixes[lang].update(key[:n] for n in range(1, len(key)))

    def __len__(self) -> int:
        return len(self.entries)

    def tag(self, text: str, language: str, tokens: list[Token] | None = None) -> list[ConceptMatch]:
        """The concepts named in the text, in order of appearance, each once. `tokens` are the text's analysis in
        `language`, when the caller has it already."""
        language = language if language in self._phrases else "en"
        phrases, prefixes = self._phrases[language], self._prefixes[language]
        if tokens is None:
            tokens = analyse(text, language)
        stems = [t.stem for t in tokens]
        found: dict[str, ConceptMatch] = {}
        i = 0
        while i < len(tokens):
            # The longest phrase starting here, its words not too far apart (stop words may sit between them).
            matched, slug = 0, None
            for n in range(1, min(MAX_FORM_WORDS, len(tokens) - i) + 1):
                window = tuple(stems[i:i + n])
                if tokens[i + n - 1].position - tokens[i].position > n + 2:
                    break
                candidate = phrases.get(window)
                if candidate is not None:
                    matched, slug = n, candidate
                if window not in prefixes:
                    break
            if slug is not None:
                found.setdefault(slug, ConceptMatch(slug, " ".join(t.surface for t in tokens[i:i + matched])))
            i += matched or 1
        # Acronyms are looked up among the words as written, before stop words are dropped ("AI" vs "ai").
        for word in _SHORT_WORD.findall(text):
            slug = self._acronyms.get(word)
            if slug is not None:
                found.setdefault(slug, ConceptMatch(slug, word))
        return list(found.values())

    def expand(self, slugs: dict[str, float]) -> dict[str, float]:
        """Adds the broader concepts (one level up, at half weight) to a {slug: weight} profile."""
        expanded = dict(slugs)
        for slug, weight in slugs.items():
            entry = self.entries.get(slug)
            if entry and entry.broader and entry.broader in self.entries:
                expanded[entry.broader] = max(expanded.get(entry.broader, 0.0), weight * BROADER_WEIGHT)
        return expanded

    def profile(self, text: str, language: str, tags: list[str] = (),
                tokens: list[Token] | None = None) -> dict[str, float]:
        """The weighted concepts of a document: the tags its authors picked and the concepts its text names, then
        their broader concepts."""
        weights = {slug: 1.0 for slug in tags if slug in self.entries}
        for match in self.tag(text, language, tokens):
            weights.setdefault(match.slug, 1.0)
        return self.expand(weights)
