"""Text analysis per language: tokens, stop words, Snowball stems, language detection."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# The languages the engine analyses. A text in another language is analysed as English (tokens still match).
SNOWBALL = {
    "en": "english", "it": "italian", "da": "danish", "es": "spanish", "de": "german", "fr": "french",
    "ca": "catalan",
}
LANGUAGES = tuple(SNOWBALL)

# Function words only: content words such as "health" stay, BM25's idf weighs them down where they are common.
_STOP = {
    "en": """a about above after again against all also an and any are as at be because been before being below
        between both but by can could did do does doing down during each few for from further had has have having
        he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
        once only or other our ours out over own same she should so some such than that the their theirs them then
        there these they this those through to too under until up very was we were what when where which while who
        whom why will with would you your yours looking seek seeking need needs want wants we're our us""",
    "it": """a ad agli ai al alla alle allo anche avere che chi ci come con contro cui da dagli dai dal dalla dalle
        dallo degli dei del della delle dello di dove e ed era essere fra gli ha hanno i il in io la le lei li lo
        loro lui ma mi ne negli nei nel nella nelle nello noi non nostro nostra nostri nostre o per perche più piu
        quale quali quando quella quelle quelli quello questa queste questi questo se si sia siamo sono su sua sue
        sugli sui sul sulla sulle sullo suo suoi tra tutti tutto un una uno vi voi cerchiamo cerca cerco nostro
        molto dei delle essere stato""",
    "da": """af alle andre at blev bliver da de dem den denne der deres det dette dig din dine disse du efter eller
        en end er et for fra ham han hans har havde have hende hendes her hos hun hvad hvis hvor i ikke ind jeg jer
        jo kan kunne man mange med meget men mig min mine mit mod ned noget nogle nu når og også om op os over på
        sig sin sine sit skal skulle som til ud under var vi vil ville vor vores søger ønsker""",
    "es": """a al algo algunos ante antes como con contra cual cuando de del desde donde durante e el ella ellas
        ellos en entre era es esa esas ese eso esos esta estas este esto estos fue ha han hasta hay la las le les
        lo los más mas me mi mis muy no nos nosotros nuestra nuestras nuestro nuestros o os para pero poco por que
        quien se ser si sin sobre su sus también tambien te tiene tienen todo todos tu tus un una unas uno unos y
        ya buscamos busca buscando""",
    "de": """aber alle als also am an auch auf aus bei bin bis bist da damit dann das dass dein deine dem den der
        des dessen die dies diese dieser dieses doch dort du durch ein eine einem einen einer eines er es euer für
        fur hat hatte haben hier ich ihr ihre im in ist ja jede jeder jedes kann kein keine mit muss nach nicht noch
        nur ob oder ohne sehr sein seine sich sie sind so über um und uns unser unsere unter vom von vor war was
        weil wenn wer wie wir wird wo zu zum zur suchen sucht wollen""",
    "fr": """au aux avec ce ces dans de des du elle en et eux il je la le les leur lui ma mais me même mes moi mon ne
        nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous""",
    "ca": """a al als amb de del dels el els en és i la les per que un una uns unes o no es ha han són""",
}

_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case without accents, so that 'Università' and 'universita' are one word."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


STOP_WORDS = {lang: frozenset(fold(w) for w in words.split()) for lang, words in _STOP.items()}


@dataclass(frozen=True)
class Token:
    surface: str  # as written
    stem: str  # folded Snowball stem in the analysing language
    position: int


def words(text: str) -> list[str]:
    """The words of a text. A hyphenated word gives its joined form and its parts ('e-health' gives 'ehealth',
    'e', 'health'), so that 'tele-monitoring' meets 'telemonitoring' and 'monitoring'."""
    found: list[str] = []
    for match in _TOKEN.finditer(text or ""):
        word = match.group(0)
        if "-" in word or "'" in word or "’" in word:
            parts = re.split(r"[-'’]", word)
            if "-" in word:
                found.append("".join(parts))
            found.extend(p for p in parts if p)
        else:
            found.append(word)
    return found


@lru_cache(maxsize=16)
def _stemmer(language: str):
    return snowballstemmer.stemmer(SNOWBALL.get(language, "english"))


# Words repeat across documents, so folding them one by one is cached; the cache is bounded.
_fold_word = lru_cache(maxsize=200_000)(fold)


def analyse(text: str, language: str) -> list[Token]:
    """The text's content words with their stems in `language` (unknown languages are analysed as English)."""
    language = language if language in SNOWBALL else "en"
    stop = STOP_WORDS[language]
    kept = [(i, w, _fold_word(w)) for i, w in enumerate(words(text))]
    kept = [(i, w, f) for i, w, f in kept if f not in stop and (len(f) > 1 or f.isdigit())]
    stems = _stemmer(language).stemWords([f for _, _, f in kept])
    return [Token(w, s, i) for (i, w, _), s in zip(kept, stems, strict=True)]


def stems(text: str, language: str) -> list[str]:
    return [t.stem for t in analyse(text, language)]


class LanguageDetector:
    """Detects the language of a text among the engine's languages with lingua; short or ambiguous texts
    (a single English loan word, an acronym) give None, and callers then analyse them in every language."""

    MIN_CONFIDENCE = 0.5
    READ_CHARS = 300  # a few sentences tell the language; a pasted page would cost the search time

    def __init__(self) -> None:
        self._detector = None

    def _build(self):
        from lingua import Language, LanguageDetectorBuilder

        languages = {
            "en": Language.ENGLISH, "it": Language.ITALIAN, "da": Language.DANISH, "es": Language.SPANISH,
            "de": Language.GERMAN, "fr": Language.FRENCH, "ca": Language.CATALAN,
        }
        self._codes = {lang: code for code, lang in languages.items()}
        return LanguageDetectorBuilder.from_languages(*languages.values()).build()

    def detect(self, text: str) -> str | None:
        if not text or not any(ch.isalpha() for ch in text):
            return None
        if self._detector is None:
            self._detector = self._build()
        best = self._detector.compute_language_confidence_values(text[: self.READ_CHARS])
        if not best or best[0].value < self.MIN_CONFIDENCE:
            return None
        return self._codes[best[0].language]


_detector = LanguageDetector()


def detect_language(text: str) -> str | None:
    """The language of `text` (a code of LANGUAGES), or None when it cannot be told."""
    return _detector.detect(text)
