"""The clients of bench/load.py (locust, FastHttpUser): each sends one request after the other without pause, a mix of
the directory, search, organisation profiles, the brokerage event's agenda and two baselines.

bench/load.py passes LOAD_PLAN (a JSON file: the event's id, one session per participant, organisation slugs, the
directory's page count, a static file's address), LOAD_OUT (where every response time is written at the end, in
ms by endpoint, with the failures: the percentiles are computed from them, not from locust's rounded histogram) and
LOAD_WARM_UP: the first seconds of the run, whose response times are not kept. The clients all start at once; the
queue of that first instant (50 requests arriving together) drains during the warm-up, so that what is measured is
the steady state of 50 clients, not their simultaneous start. Failures count from the first second.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
from collections import defaultdict
from urllib.parse import quote

from locust import FastHttpUser, between, constant, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())
THINK = float(os.environ.get("LOAD_THINK", "0"))  # mean seconds between two requests of a client
WARM_UP = float(os.environ.get("LOAD_WARM_UP", "0"))  # seconds from the start whose response times are not kept
OUT = os.environ["LOAD_OUT"]
SEARCHES = ("telemedicina", "medical devices", "robot", "telemedicin", "dispositivos médicos", "Krankenhaus",
            "ospedale universitario", "cancer research", "hjemmemonitorering", "salud digital",
            "università di bologna", "clinical trials")
TEXTS = ("universit", "hospital", "fondazione", "klinik", "institut")
COUNTRIES = ("IT", "DE", "ES", "DK", "FR", "NL", "BE", "UK")
KINDS = ("university", "research_centre", "sme", "public_body", "other")
# The endpoints in the report's order; the baselines and the pages measured against the target.
ROLES = {"directory: first page": "page", "directory: deeper page": "page", "directory: filter": "page",
         "search": "page", "organisation profile": "page", "event agenda (signed in)": "page",
         "baseline: static file (whitenoise)": "baseline", "baseline: sign-in page": "baseline"}
# X-Forwarded-Proto: as nginx sends it in front of gunicorn (deploy/nginx), TLS ended there.
HEADERS = {"Accept-Language": "en", "X-Forwarded-Proto": "https"}

times: dict[str, list[float]] = defaultdict(list)
failures: dict[str, int] = defaultdict(int)
messages: dict[str, list[str]] = defaultdict(list)
window = {"start": None, "stop": None}
sessions = itertools.cycle(PLAN["sessions"])
lock = threading.Lock()


timeline: list[tuple[float, str, float]] = []  # (when it ended, endpoint, ms): to tell a stall from a queue


@events.request.add_listener
def record(name, response_time, exception, **_kwargs):
    now = time.time()
    if window["start"] is not None and now - response_time / 1000 >= window["start"] + WARM_UP:  # sent after it
        times[name].append(response_time)
        timeline.append((round(now - window["start"] - WARM_UP, 3), name, round(response_time, 1)))
    if exception is not None:
        failures[name] += 1
        if len(messages[name]) < 20:
            messages[name].append(str(exception)[:200])


@events.test_start.add_listener
def started(**_kwargs):
    window["start"] = time.time()


@events.test_stop.add_listener
def stopped(**_kwargs):
    window["stop"] = time.time()


@events.quitting.add_listener
def write(**_kwargs):
    seconds = (window["stop"] or time.time()) - (window["start"] or time.time()) - WARM_UP
    order = [name for name in ROLES if name in times]
    with open(OUT, "w") as f:
        json.dump({"seconds": seconds, "order": order, "roles": ROLES, "times": {n: times[n] for n in order},
                   "failures": {n: failures[n] for n in order}, "messages": {n: messages[n] for n in order},
                   "timeline": timeline}, f)


class Visitor(FastHttpUser):
    """A visitor of the public pages who is also a participant of the brokerage event (its agenda is signed in)."""

    wait_time = between(THINK / 2, THINK * 1.5) if THINK else constant(0)

    def on_start(self) -> None:
        with lock:
            self.session = next(sessions)
        self.rng = random.Random()

    def check(self, path: str, name: str, marker: str, headers: dict | None = None) -> None:
        with self.client.get(path, name=name, headers=headers or HEADERS, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif marker not in (response.text or ""):
                response.failure(f"no {marker!r} in the page")

    @task(10)
    def directory_first_page(self) -> None:
        self.check("/directory/", "directory: first page", "organisations found")

    @task(10)
    def directory_deeper_page(self) -> None:
        page = self.rng.randint(2, PLAN["directory_pages"])
        self.check(f"/directory/?page={page}", "directory: deeper page", "organisations found")

    @task(10)
    def directory_filter(self) -> None:
        rng = self.rng
        country, kind, text = rng.choice(COUNTRIES), rng.choice(KINDS), quote(rng.choice(TEXTS))
        query = rng.choice((f"country={country}", f"kind={kind}", f"q={text}", f"country={country}&kind={kind}"))
        if rng.random() < 0.3:
            query += f"&page={rng.randint(2, 5)}"
        self.check(f"/directory/?{query}", "directory: filter", "found")

    @task(20)
    def search(self) -> None:
        self.check(f"/search/?q={quote(self.rng.choice(SEARCHES))}", "search", "best first.")

    @task(30)
    def profile(self) -> None:
        self.check(f"/org/{self.rng.choice(PLAN['profiles'])}/", "organisation profile", '<h1 class="h3 mb-1">')

    @task(10)
    def agenda(self) -> None:
        self.check(f"/events/{PLAN['event']}/agenda/", "event agenda (signed in)", "Your meetings",
                   headers={**HEADERS, "Cookie": f"sessionid={self.session}"})

    @task(5)
    def static_file(self) -> None:
        self.check(PLAN["static"], "baseline: static file (whitenoise)", "{")

    @task(5)
    def sign_in_page(self) -> None:
        self.check("/accounts/login/", "baseline: sign-in page", "csrfmiddlewaretoken")
