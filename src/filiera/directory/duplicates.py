"""Likely duplicates: which organisations look like others, by a similar name in the same country or the same
website. One rule for the whole platform: the organisation import and the back office's "Add a member" page both
call `find_duplicates`, so an organisation one of them flags, the other flags too.

Plain Python on `Candidate`s; the callers choose which organisations to compare (e.g. only those the staff may see).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from filiera.directory.models import fold

DUPLICATE_SCORE = 90  # rapidfuzz token_sort_ratio, 0–100
NAME = "name"
WEBSITE = "website"
# Legal forms say nothing about who an organisation is; left in, "IOT SPOLKA Z OGRANICZONA ODPOWIEDZIALNOSCIA"
# would look like every other Polish limited company.
LEGAL_FORMS = (
    "spolka z ograniczona odpowiedzialnoscia", "sp z o o", "spolka akcyjna", "societa a responsabilita limitata",
    "societa per azioni", "societa cooperativa", "sociedad limitada", "sociedad anonima",
    "gesellschaft mit beschrankter haftung", "korlatolt felelossegu tarsasag", "besloten vennootschap",
    "naamloze vennootschap", "limited", "ltd", "gmbh", "ag", "kg", "ev", "e v", "srl", "s r l", "spa", "s p a",
    "sa", "s a", "sas", "sarl", "scarl", "sl", "slu", "bv", "b v", "nv", "n v", "oy", "ab", "as", "a s", "aps", "sro",
    "s r o", "kft", "zrt", "plc", "inc", "llc", "co", "onlus",
)
_LEGAL_FORMS_RE = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in sorted(LEGAL_FORMS, key=len, reverse=True))
                             + r")\b")
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def name_key(name: str) -> str:
    """Accent-folded, lower-case words of the name without legal forms, sorted: comparing these with fuzz.ratio
    is rapidfuzz's token_sort_ratio, computed once per name instead of once per pair."""
    text = " ".join(default_process(fold(name)).split())
    words = _LEGAL_FORMS_RE.sub(" ", text).split() or text.split()
    return " ".join(sorted(words))


def website_host(url: str) -> str:
    """The host of a web address, lower-case and without "www.": "https://www.Acme.example/en" gives
    "acme.example". An address without a scheme ("acme.example/en") is read the same way; an unreadable one
    gives ""."""
    url = (url or "").strip()
    if not url:
        return ""
    if not _HAS_SCHEME.match(url) and not url.startswith("//"):
        url = f"//{url}"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


@dataclass(frozen=True)
class Candidate:
    """An organisation that may be a duplicate: one being added (a row of an import file, with `row` set, or the
    new member typed on the back-office page) or one already in the directory (`organisation_id` set)."""

    name: str
    country: str
    host: str
    row: int | None = None
    ref: str = ""
    organisation_id: int | None = None

    @property
    def key(self) -> str:
        return name_key(self.name)


@dataclass(frozen=True)
class Match:
    """`row` looks like `other` (an earlier row, or an organisation already in the directory), for these reasons:
    NAME (similar name, same country) and/or WEBSITE (same website host), in that order."""

    row: Candidate
    other: Candidate
    reasons: tuple[str, ...]


def find_duplicates(rows: list[Candidate], existing: list[Candidate]) -> list[Match]:
    """Each row's look-alikes: a similar name in the same country (token_sort_ratio >= DUPLICATE_SCORE on
    `name_key`s, so legal forms and accents do not count) or the same website host, among the rows (the look-alike
    is an earlier row) and against the existing organisations. One Match per pair, ordered by row."""
    found: dict[tuple[Candidate, Candidate], list[str]] = {}

    def add(row: Candidate, other: Candidate, reason: str) -> None:
        reasons = found.setdefault((row, other), [])
        if reason not in reasons:
            reasons.append(reason)

    by_country: dict[str, list[tuple[Candidate, str]]] = defaultdict(list)
    for candidate in rows:
        by_country[candidate.country].append((candidate, candidate.key))
    existing_by_country: dict[str, list[tuple[Candidate, str]]] = defaultdict(list)
    for candidate in existing:
        existing_by_country[candidate.country].append((candidate, candidate.key))

    for country, group in by_country.items():
        keys = [key for _candidate, key in group]
        others = existing_by_country.get(country, [])
        other_keys = [key for _candidate, key in others]
        for index, (candidate, key) in enumerate(group):
            if not key:
                continue
            for _match, _score, earlier in process.extract(key, keys[:index], scorer=fuzz.ratio, processor=None,
                                                           score_cutoff=DUPLICATE_SCORE, limit=None):
                add(candidate, group[earlier][0], NAME)
            for _match, _score, position in process.extract(key, other_keys, scorer=fuzz.ratio, processor=None,
                                                             score_cutoff=DUPLICATE_SCORE, limit=None):
                add(candidate, others[position][0], NAME)

    first_with_host: dict[str, Candidate] = {}
    existing_with_host: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in existing:
        if candidate.host:
            existing_with_host[candidate.host].append(candidate)
    for candidate in rows:
        if not candidate.host:
            continue
        earlier = first_with_host.setdefault(candidate.host, candidate)
        if earlier is not candidate:
            add(candidate, earlier, WEBSITE)
        for other in existing_with_host.get(candidate.host, []):
            add(candidate, other, WEBSITE)
    matches = [Match(row, other, tuple(reasons)) for (row, other), reasons in found.items()]
    return sorted(matches, key=lambda match: (match.row.row or 0, match.other.row or 0))
