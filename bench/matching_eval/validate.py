"""Validate the cross-language matching evaluation set (corpus.jsonl + queries.jsonl) and print its statistics.

Pure Python, no Django: usable in CI and by anyone reusing the set.
Usage: python bench/matching_eval/validate.py [--dir bench/matching_eval]
Exit status 1 if any check fails; the statistics (counts per language and per language pair) are printed either way.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

LANGUAGES = ("en", "it", "da", "es", "de")
# English is also written by members from other countries, so it allows several country codes.
COUNTRIES = {"en": {"GB", "IE", "NL", "SE", "FI"}, "it": {"IT"}, "da": {"DK"}, "es": {"ES"}, "de": {"DE"}}
ORG_KINDS = {
    "sme",
    "startup",
    "large_enterprise",
    "university",
    "research_centre",
    "hospital",
    "public_body",
    "patient_association",
    "foundation",
    "training_body",
}
OPP_TYPES = {"technology_offer", "technology_request", "business_offer", "business_request", "rd_partner_search"}
PERSONAS = {"hospital", "sme", "university", "patient_association", "municipality", "startup"}
WHAT_KIND = {
    "organisations": {"organisation"},
    "opportunities": {"opportunity"},
    "all": {"organisation", "opportunity"},
}

MIN_DOCS, MIN_QUERIES, MIN_QUERIES_PER_LANGUAGE, MIN_CROSS_SHARE = 420, 160, 32, 0.75
MAX_RELEVANT = 5
SHARED_NGRAM = 4  # a query sharing a 4-word sequence with a relevant text probably copied it


def read_jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"{path.name}:{number}: empty line")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{number}: invalid JSON ({exc})")
            continue
        if not isinstance(row, dict):
            errors.append(f"{path.name}:{number}: not a JSON object")
            continue
        rows.append(row)
    return rows


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def check_corpus(docs: list[dict], errors: list[str]) -> dict[str, dict]:
    by_id: dict[str, dict] = {}
    required = {"id", "kind", "language", "name", "text", "org_kind", "country"}
    for doc in docs:
        ident = doc.get("id", "?")
        missing = required - doc.keys()
        if missing:
            errors.append(f"corpus {ident}: missing fields {sorted(missing)}")
            continue
        if ident in by_id:
            errors.append(f"corpus {ident}: duplicate id")
        by_id[ident] = doc
        kind = doc["kind"]
        prefix = {"organisation": "org-", "opportunity": "opp-"}.get(kind)
        if prefix is None:
            errors.append(f"corpus {ident}: unknown kind {kind!r}")
        elif not re.fullmatch(re.escape(prefix) + r"\d{3}", ident):
            errors.append(f"corpus {ident}: id does not match kind {kind}")
        if doc["language"] not in LANGUAGES:
            errors.append(f"corpus {ident}: unknown language {doc['language']!r}")
        elif doc["country"] not in COUNTRIES[doc["language"]]:
            errors.append(f"corpus {ident}: country {doc['country']} unexpected for language {doc['language']}")
        if doc["org_kind"] not in ORG_KINDS:
            errors.append(f"corpus {ident}: unknown org_kind {doc['org_kind']!r}")
        if kind == "opportunity" and doc.get("type") not in OPP_TYPES:
            errors.append(f"corpus {ident}: opportunity needs a type from {sorted(OPP_TYPES)}")
        if kind == "organisation" and "type" in doc:
            errors.append(f"corpus {ident}: organisations have no type")
        if not str(doc["name"]).strip() or len(words(doc["text"])) < 15:
            errors.append(f"corpus {ident}: name empty or text shorter than 15 words")
    if len(by_id) < MIN_DOCS:
        errors.append(f"corpus: {len(by_id)} documents, at least {MIN_DOCS} required")
    return by_id


def check_queries(queries: list[dict], by_id: dict[str, dict], errors: list[str], warnings: list[str]) -> None:
    seen: set[str] = set()
    required = {"id", "language", "persona", "text", "what", "relevant", "note"}
    for query in queries:
        ident = query.get("id", "?")
        missing = required - query.keys()
        if missing:
            errors.append(f"query {ident}: missing fields {sorted(missing)}")
            continue
        if ident in seen:
            errors.append(f"query {ident}: duplicate id")
        seen.add(ident)
        if not re.fullmatch(r"q-\d{3}", ident):
            errors.append(f"query {ident}: id must look like q-001")
        if query["language"] not in LANGUAGES:
            errors.append(f"query {ident}: unknown language {query['language']!r}")
        if query["persona"] not in PERSONAS:
            errors.append(f"query {ident}: unknown persona {query['persona']!r}")
        if query["what"] not in WHAT_KIND:
            errors.append(f"query {ident}: unknown what {query['what']!r}")
            continue
        relevant = query["relevant"]
        distinct = isinstance(relevant, list) and len(set(relevant)) == len(relevant)
        if not distinct or not 1 <= len(relevant) <= MAX_RELEVANT:
            errors.append(f"query {ident}: relevant must list 1 to {MAX_RELEVANT} distinct ids")
            continue
        query_ngrams = ngrams(words(query["text"]), SHARED_NGRAM)
        for doc_id in relevant:
            doc = by_id.get(doc_id)
            if doc is None:
                errors.append(f"query {ident}: relevant id {doc_id} not in the corpus")
                continue
            if doc["kind"] not in WHAT_KIND[query["what"]]:
                errors.append(f"query {ident}: {doc_id} is an {doc['kind']}, but the query asks for {query['what']}")
            shared = query_ngrams & ngrams(words(doc["name"] + " " + doc["text"]), SHARED_NGRAM)
            if shared:
                warnings.append(f"query {ident}: shares {' '.join(sorted(shared)[0])!r} with {doc_id}")
    if len(seen) < MIN_QUERIES:
        errors.append(f"queries: {len(seen)}, at least {MIN_QUERIES} required")


def report(docs: dict[str, dict], queries: list[dict], errors: list[str]) -> None:
    print(f"corpus: {len(docs)} documents")
    kinds = Counter(d["kind"] for d in docs.values())
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:<13} {count:4d}  ({count / len(docs):.0%})")
    print(
        "  per language:  "
        + "  ".join(
            f"{lang} {sum(1 for d in docs.values() if d['language'] == lang)}"
            f" ({sum(1 for d in docs.values() if d['language'] == lang and d['kind'] == 'organisation')} org"
            f" / {sum(1 for d in docs.values() if d['language'] == lang and d['kind'] == 'opportunity')} opp)"
            for lang in LANGUAGES
        )
    )
    org_kinds = Counter(d["org_kind"] for d in docs.values())
    print("  org_kind:      " + ", ".join(f"{k} {v}" for k, v in org_kinds.most_common()))
    print(
        "  opportunity type: "
        + ", ".join(
            f"{k} {v}" for k, v in Counter(d["type"] for d in docs.values() if d["kind"] == "opportunity").most_common()
        )
    )

    valid = [q for q in queries if isinstance(q.get("relevant"), list) and all(r in docs for r in q["relevant"])]
    print(f"\nqueries: {len(queries)}")
    per_language = Counter(q["language"] for q in queries)
    print("  per language:  " + "  ".join(f"{lang} {per_language[lang]}" for lang in LANGUAGES))
    for lang in LANGUAGES:
        if per_language[lang] < MIN_QUERIES_PER_LANGUAGE:
            errors.append(f"queries: {per_language[lang]} in {lang}, at least {MIN_QUERIES_PER_LANGUAGE} required")
    print("  what:          " + ", ".join(f"{k} {v}" for k, v in Counter(q["what"] for q in queries).most_common()))
    print("  persona:       " + ", ".join(f"{k} {v}" for k, v in Counter(q["persona"] for q in queries).most_common()))
    sizes = Counter(len(q["relevant"]) for q in valid)
    print("  relevant per query: " + ", ".join(f"{n}: {sizes[n]}" for n in sorted(sizes)))

    def category(query: dict) -> str:
        langs = {docs[r]["language"] for r in query["relevant"]}
        if query["language"] not in langs:
            return "cross"
        return "same" if langs == {query["language"]} else "mixed"

    categories = Counter(category(q) for q in valid)
    cross_share = categories["cross"] / len(valid) if valid else 0.0
    print(
        f"  cross-language (all relevant in other languages): {categories['cross']} ({cross_share:.1%}); "
        f"mixed: {categories['mixed']}; same-language: {categories['same']}"
    )
    if cross_share < MIN_CROSS_SHARE:
        errors.append(f"queries: cross-language share {cross_share:.1%} below {MIN_CROSS_SHARE:.0%}")

    # Language pairs counted once per (query, relevant document): rows are query languages, columns document languages.
    pairs = Counter((q["language"], docs[r]["language"]) for q in valid for r in q["relevant"])
    print("\n(query, relevant document) pairs by language, query language -> document language:")
    print("        " + "".join(f"{lang:>6}" for lang in LANGUAGES) + "   total")
    for q_lang in LANGUAGES:
        row = [pairs[(q_lang, d_lang)] for d_lang in LANGUAGES]
        print(f"  {q_lang:<6}" + "".join(f"{n:>6}" for n in row) + f"   {sum(row):>5}")
    # Queries per pair: a query counts once for every language among its relevant documents.
    query_pairs = Counter((q["language"], lang) for q in valid for lang in {docs[r]["language"] for r in q["relevant"]})
    print("\nqueries by language pair (a query counts once per language among its relevant documents):")
    print("        " + "".join(f"{lang:>6}" for lang in LANGUAGES))
    for q_lang in LANGUAGES:
        print(f"  {q_lang:<6}" + "".join(f"{query_pairs[(q_lang, d_lang)]:>6}" for d_lang in LANGUAGES))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--show-warnings", action="store_true", help="list queries sharing a phrase with a target")
    args = parser.parse_args()
    errors: list[str] = []
    warnings: list[str] = []
    docs = check_corpus(read_jsonl(args.dir / "corpus.jsonl", errors), errors)
    queries = read_jsonl(args.dir / "queries.jsonl", errors)
    check_queries(queries, docs, errors, warnings)
    report(docs, queries, errors)
    print(f"\nwarnings: {len(warnings)} queries share a {SHARED_NGRAM}-word sequence with a relevant document")
    if args.show_warnings:
        for warning in warnings:
            print("  " + warning)
    if errors:
        print(f"\nFAILED: {len(errors)} problems")
        for error in errors:
            print("  " + error)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
