"""The demo's open-innovation challenges (data/challenges.json), written through the challenges' own services as the
cluster's staff would: the challenge is saved and moved stage by stage, needs come through the public form or are
entered at the workshop, the needs are grouped into themes by the theme engine (with the configured embeddings) and
one theme is renamed, ballots are cast, the members whose profile fits answer with solutions (building on their
offer where they have one), staff shortlist, and one theme becomes a transformative activity: a project idea.

- "Pazienti fragili e cronici nelle aree remote" (Clust-ER Health): collecting solutions, with themes, votes,
  solutions and an activity;
- a Welfare Tech challenge on living with dementia, collecting needs (its public form is open), not yet grouped;
- a draft of Clust-ER Health, seen by its staff only.

Each need of the data names the topic it was written for; a theme takes the topic of most of its needs, which is how
the votes, the staff's name, the solutions and the activity find their theme whatever the engine made of the needs.
The activity's consortium is the challenge's owner (coordinating), the shortlisted solutions' organisations and the
partners the data names: the consortium builder ranks members with the matching index, which the task worker builds
after the load, so its choice would depend on when the demo is looked at. The ballots carry the dots the data gives
each topic, spread over the voters by a seeded random generator, so the demo is the same for the same day. Creation
dates are back-dated in bulk at the end, as in the loader.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections import Counter

from django.contrib.auth import get_user_model
from django.utils import timezone

from filiera.challenges import services
from filiera.challenges.models import VOTES_PER_BALLOT, Challenge, Need, Solution, Theme
from filiera.core.access import Viewer
from filiera.core.models import Cluster
from filiera.demo.generator import SEED, load
from filiera.directory.models import Opportunity, Organisation

STAFF = Viewer(is_admin=True)  # the loader acts for the clusters' staff; `user` names who, in the records
ORDER = list(Challenge.Stage.values)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _spread(start: datetime.date, end: datetime.date, count: int) -> list[datetime.date]:
    """`count` days from `start` to `end`, evenly."""
    span = max(0, (end - start).days)
    return [start + datetime.timedelta(days=span * i // max(1, count - 1)) for i in range(count)]


def load_challenges(clusters: dict[str, Cluster], today: datetime.date) -> list[Challenge]:
    rng = random.Random(SEED)
    return [_challenge(spec, clusters, today, rng) for spec in load("challenges.json")["challenges"]]


def _challenge(spec: dict, clusters: dict[str, Cluster], today: datetime.date, rng: random.Random) -> Challenge:
    staff = get_user_model().objects.get(username=spec["staff"])
    opens = today + datetime.timedelta(days=spec["opens_in_days"])
    challenge = services.save_challenge(STAFF, clusters[spec["cluster"]], {
        "title": spec["title"], "owner": Organisation.objects.get(slug=spec["owner"]), "statement": spec["statement"],
        "scope": spec["scope"], "language": spec["language"], "opens_on": opens,
        "closes_on": today + datetime.timedelta(days=spec["closes_in_days"]), "open_voting": spec["open_voting"],
    }, user=staff)
    target = ORDER.index(spec["stage"])
    _move_to(challenge, Challenge.Stage.NEEDS, target)

    topics: dict[int, str] = {}
    for need_spec in spec["needs"]:
        data = {k: need_spec[k] for k in ("text", "actor", "language", "voiced_by")}
        if need_spec["source"] == "form" and services.accepts_needs(challenge, today):
            need = services.voice_need(challenge, data, today)
        else:
            need = services.enter_need(STAFF, challenge, data, user=staff)
        topics[need.pk] = need_spec.get("topic", "")

    if "max_themes" in spec:
        services.group_needs(STAFF, challenge, max_themes=spec["max_themes"])
        by_topic = _themes_by_topic(challenge, topics)
        for topic, label in spec.get("rename", {}).items():
            if topic in by_topic:
                services.rename_theme(STAFF, by_topic[topic], label)
        if target >= ORDER.index("voting"):
            services.move(STAFF, challenge, Challenge.Stage.VOTING)
            _ballots(challenge, spec["ballots"], by_topic, rng)
        if target >= ORDER.index("solutions"):
            services.move(STAFF, challenge, Challenge.Stage.SOLUTIONS)
            _solutions(challenge, spec.get("solutions", []), by_topic, today)
            if "activity" in spec:
                _activity(challenge, spec["activity"], by_topic, staff)
    _move_to(challenge, spec["stage"], target)
    _backdate(challenge, spec, today)
    return challenge


def _backdate(challenge: Challenge, spec: dict, today: datetime.date) -> None:
    """The challenge's history, written in bulk: it was written a few days before it opened; the form's needs came
    in from its opening until two weeks after the workshop (or until today, while it collects needs), the
    workshop's needs on its day; the vote followed, then the solutions, until a couple of days ago."""
    opens = today + datetime.timedelta(days=spec["opens_in_days"])
    workshop = today + datetime.timedelta(days=spec["workshop_in_days"])
    collecting = challenge.stage in (Challenge.Stage.DRAFT, Challenge.Stage.NEEDS)
    last_form_day = today if collecting else min(today, workshop + datetime.timedelta(days=15))
    Challenge.objects.filter(pk=challenge.pk).update(created_at=_at(min(opens, workshop) - datetime.timedelta(days=5)))
    form = list(challenge.needs.filter(source=Need.Source.FORM).order_by("pk"))
    for need, day in zip(form, _spread(opens, last_form_day, len(form)), strict=True):
        Need.objects.filter(pk=need.pk).update(created_at=_at(day, 9 + need.pk % 10))
    challenge.needs.filter(source=Need.Source.WORKSHOP).update(created_at=_at(workshop, 15))
    votes_from = last_form_day + datetime.timedelta(days=3)
    voters = list(challenge.votes.order_by("voter").values_list("voter", flat=True).distinct())
    for voter, day in zip(voters, _spread(votes_from, votes_from + datetime.timedelta(days=10), len(voters)),
                          strict=True):
        challenge.votes.filter(voter=voter).update(created_at=_at(day, 11))
    solutions = list(Solution.objects.filter(theme__challenge=challenge).order_by("pk"))
    first = votes_from + datetime.timedelta(days=14)
    for solution, day in zip(solutions, _spread(first, max(first, today - datetime.timedelta(days=2)),
                                                len(solutions)), strict=True):
        Solution.objects.filter(pk=solution.pk).update(created_at=_at(day, 16), updated_at=_at(day, 16))


def _move_to(challenge: Challenge, stage: str, target: int) -> None:
    """Move the challenge on, one stage at a time, up to `stage` (not past the target stage)."""
    while ORDER.index(challenge.stage) < min(ORDER.index(stage), target):
        services.move(STAFF, challenge, ORDER[ORDER.index(challenge.stage) + 1])


def _themes_by_topic(challenge: Challenge, topics: dict[int, str]) -> dict[str, Theme]:
    """The theme of each topic: the first theme (the largest) where it is the topic of most needs."""
    found: dict[str, Theme] = {}
    for theme in challenge.themes.order_by("position", "pk"):
        counts = Counter(topics[pk] for pk in theme.needs.order_by("pk").values_list("pk", flat=True))
        if counts:
            topic = counts.most_common(1)[0][0]
            found.setdefault(topic, theme)
    return found


def _ballots(challenge: Challenge, spec: dict, by_topic: dict[str, Theme], rng: random.Random) -> None:
    """Ballots of visitors (browsers at the workshop and on the site) and of a few users, with the dots the data
    gives each topic: a topic's dots go to the ballots with the fewest dots so far (ties drawn at random), so every
    ballot has two or three themes and the priorities come out as the data says."""
    voters = [f"browser:{hashlib.sha256(f'demo-{challenge.pk}-{i}'.encode()).hexdigest()[:40]}"
              for i in range(spec["browsers"])]
    users = get_user_model().objects.filter(username__in=spec["users"]).order_by("username")
    voters += [services.voter_key(user.pk, None, challenge) for user in users]
    ballots: dict[str, list[int]] = {voter: [] for voter in voters}
    for topic, dots in sorted(spec["dots"].items(), key=lambda item: -item[1]):
        if topic not in by_topic:
            continue
        open_ballots = [v for v in voters if len(ballots[v]) < VOTES_PER_BALLOT]
        rng.shuffle(open_ballots)
        open_ballots.sort(key=lambda v: len(ballots[v]))
        for voter in open_ballots[:dots]:
            ballots[voter].append(by_topic[topic].pk)
    for voter, theme_ids in ballots.items():
        if theme_ids:
            services.cast_ballot(challenge, voter, theme_ids)


def _solutions(challenge: Challenge, specs: list[dict], by_topic: dict[str, Theme], today: datetime.date) -> None:
    """The members' answers, each as its organisation's representative would submit it, then the staff's
    shortlisting (or declining)."""
    for spec in specs:
        theme = by_topic.get(spec["topic"])
        if theme is None:
            continue
        organisation = Organisation.objects.get(slug=spec["organisation"])
        opportunity = None
        if spec.get("opportunity"):
            opportunity = organisation.opportunities.filter(
                type=spec["opportunity"], status=Opportunity.Status.PUBLISHED).order_by("pk").first()
        representative = Viewer(organisation_ids={organisation.pk})
        solution = services.submit_solution(representative, theme, organisation, {
            "title": spec["title"], "description": spec["description"], "opportunity": opportunity}, today=today)
        if spec.get("status", Solution.Status.SUBMITTED) != Solution.Status.SUBMITTED:
            services.set_status(STAFF, solution, spec["status"])


def _activity(challenge: Challenge, spec: dict, by_topic: dict[str, Theme], staff) -> None:
    """The theme of the data's topic (or else the most voted) becomes a project idea: the owner coordinates, with the
    shortlisted solutions' organisations and the partners named (those who may take part)."""
    theme = by_topic.get(spec["topic"]) or services.priorities(challenge)[0].theme
    eligible = services.eligible_organisations(challenge)
    partners = [challenge.owner, *services.shortlisted_organisations(theme),
                *Organisation.objects.filter(slug__in=spec["partners"]).order_by("name")]
    partners = [o for o in dict.fromkeys(partners) if o is not None and eligible.filter(pk=o.pk).exists()]
    coordinator = challenge.owner if challenge.owner in partners else None
    services.save_activity(STAFF, theme, partners, acronym=spec["acronym"], coordinator=coordinator, user=staff)
