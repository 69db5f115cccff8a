"""The use cases of open-innovation challenges: staff write a challenge and move it through its stages; anyone voices
needs through the public form while it collects them (staff enter those voiced at a workshop); the needs are grouped
into themes by the theme engine (`challenges.themes`), which staff merge, split, rename and complete by placing
needs; participants vote their priorities; members answer themes with solutions, the matching engine suggesting the
themes and offers that fit them; staff shortlist, and turn a theme with its solutions into a transformative
activity: a project idea whose consortium comes from the consortium builder.

Rules
- A challenge is seen by everyone once it leaves the draft stage; drafts by its cluster's staff only.
- The themes' structure (grouping, merging, splitting, placing a need) is settled before the vote: it may change
  while the challenge is a draft or collecting needs, so that no vote or solution is ever moved from under its
  author. Renaming a theme is allowed until the challenge closes.
- Needs are public (their text and the kind of actor); who voiced them (`voiced_by`) is for staff only.
- A ballot has up to VOTES_PER_BALLOT themes; voting again replaces it. A signed-in user votes as themselves; a
  visitor votes once per browser when the challenge allows visitors to vote.
- Solutions come from the active members of the challenge's cluster or of a cluster in one of its networks, one
  per organisation and theme, until the closing day; they are seen by the cluster's staff and the organisation.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from filiera.challenges import themes as engine
from filiera.challenges.models import VOTES_PER_BALLOT, Actor, Challenge, Invitation, Need, Solution, Theme, Vote
from filiera.core.access import Viewer
from filiera.core.models import Cluster, Concept
from filiera.core.services import assign
from filiera.directory.models import Opportunity, Organisation
from filiera.directory.notifications import representatives_with_email
from filiera.projects import services as projects
from filiera.projects.models import Project

CHALLENGE_FIELDS = ("title", "owner", "statement", "scope", "language", "opens_on", "closes_on", "open_voting")
SOLUTION_FIELDS = ("title", "description", "opportunity")
MIN_NEED_CHARACTERS = 10
STRUCTURE_STAGES = (Challenge.Stage.DRAFT, Challenge.Stage.NEEDS)
ORDER = list(Challenge.Stage.values)
SUGGESTED_SOLVERS = 10  # members the matching engine suggests per theme
SUGGESTIONS_CACHE_SECONDS = 600


# --- who sees and does what ----------------------------------------------------------------------------------------


def visible_challenges(viewer: Viewer) -> QuerySet:
    challenges = Challenge.objects.select_related("cluster", "owner")
    if viewer.is_admin:
        return challenges
    return challenges.filter(~Q(stage=Challenge.Stage.DRAFT) | Q(cluster_id__in=viewer.staff_cluster_ids))


def can_manage(viewer: Viewer, challenge: Challenge) -> bool:
    return viewer.is_admin or challenge.cluster_id in viewer.staff_cluster_ids


def _require_manage(viewer: Viewer, challenge: Challenge) -> None:
    if not can_manage(viewer, challenge):
        raise PermissionDenied


def _require_structure(challenge: Challenge) -> None:
    if challenge.stage not in STRUCTURE_STAGES:
        raise ValidationError(_("The themes are settled once the vote opens: move the challenge back to collecting "
                                "needs to change them."))


def structure_editable(challenge: Challenge) -> bool:
    return challenge.stage in STRUCTURE_STAGES


# --- the challenge -------------------------------------------------------------------------------------------------


def save_challenge(viewer: Viewer, cluster: Cluster, data: dict, *, challenge: Challenge | None = None,
                   user=None) -> Challenge:
    if challenge is None:
        if not (viewer.is_admin or viewer.is_staff_of(cluster)):
            raise PermissionDenied
        challenge = Challenge(cluster=cluster, created_by=user)
    else:
        _require_manage(viewer, challenge)
    assign(challenge, data, CHALLENGE_FIELDS)
    challenge.full_clean()
    challenge.save()
    return challenge


def next_stages(challenge: Challenge) -> list[str]:
    """Where staff may move a challenge: the next stage, or back one."""
    index = ORDER.index(challenge.stage)
    return [ORDER[i] for i in (index + 1, index - 1) if 0 <= i < len(ORDER)]


def move(viewer: Viewer, challenge: Challenge, stage: str) -> Challenge:
    _require_manage(viewer, challenge)
    allowed = next_stages(challenge)
    if stage not in allowed:
        labels = {"from": challenge.get_stage_display(), "to": Challenge.Stage(allowed[0]).label,
                  "back": Challenge.Stage(allowed[-1]).label}
        if len(allowed) == 2:
            raise ValidationError(_("A challenge moves one stage at a time: from “%(from)s” to “%(to)s”, or back to "
                                    "“%(back)s”.") % labels)
        raise ValidationError(_("A challenge moves one stage at a time: from “%(from)s” to “%(to)s”.") % labels)
    if stage == Challenge.Stage.VOTING and not challenge.themes.exists():
        raise ValidationError(_("Group the needs into themes before the vote opens."))
    challenge.stage = stage
    challenge.save()
    return challenge


# --- needs ---------------------------------------------------------------------------------------------------------


def _embedded(need: Need) -> None:
    from filiera.matching import store

    embedder = store.embedder()
    if embedder.dim:
        need.vector = embedder.to_bytes(embedder.passages([need.text])[0])
        need.vector_kind = embedder.name


def _clean_need(challenge: Challenge, data: dict) -> dict:
    from filiera.matching.services import detected_language

    errors = {}
    text = " ".join((data.get("text") or "").split())
    if len(text) < MIN_NEED_CHARACTERS:
        errors["text"] = _("Say the need in a sentence at least (%(n)s characters).") % {"n": MIN_NEED_CHARACTERS}
    elif len(text) > 2000:
        errors["text"] = _("Keep a need under 2,000 characters: voice several needs separately.")
    if data.get("actor") not in Actor.values:
        errors["actor"] = _("Choose who voices the need.")
    if errors:
        raise ValidationError(errors)
    language = data.get("language") or detected_language(text) or challenge.language
    return {"text": text, "actor": data["actor"], "language": language,
            "voiced_by": " ".join((data.get("voiced_by") or "").split())[:200]}


def accepts_needs(challenge: Challenge, today: datetime.date | None = None) -> bool:
    """The public form is open: the challenge collects needs and has opened."""
    today = today or timezone.localdate()
    return challenge.stage == Challenge.Stage.NEEDS and (challenge.opens_on is None or challenge.opens_on <= today)


def voice_need(challenge: Challenge, data: dict, today: datetime.date | None = None) -> Need:
    """A need voiced through the public form (by anyone)."""
    if not accepts_needs(challenge, today):
        raise ValidationError(_("This challenge is not collecting needs now."))
    need = Need(challenge=challenge, source=Need.Source.FORM, **_clean_need(challenge, data))
    _embedded(need)
    need.full_clean()
    need.save()
    return need


def enter_need(viewer: Viewer, challenge: Challenge, data: dict, *, user=None) -> Need:
    """A need voiced at a workshop, entered by staff (also before the challenge is published)."""
    _require_manage(viewer, challenge)
    _require_structure(challenge)
    need = Need(challenge=challenge, source=Need.Source.WORKSHOP, entered_by=user, **_clean_need(challenge, data))
    _embedded(need)
    need.full_clean()
    need.save()
    return need


@transaction.atomic
def remove_need(viewer: Viewer, need: Need) -> None:
    challenge = need.challenge
    _require_manage(viewer, challenge)
    _require_structure(challenge)
    theme = need.theme
    need.delete()
    if theme is not None:
        _after_change(challenge, [theme.pk])


def actor_counts(needs) -> list[tuple[str, int]]:
    """(actor label, needs) for these needs, the most first."""
    counts = Counter(need.actor for need in needs)
    return [(Actor(actor).label, n) for actor, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


# --- themes --------------------------------------------------------------------------------------------------------


def _concept_vectors_file(tagger, embedder) -> Path:
    slugs, texts = engine.concept_texts(tagger)
    digest = hashlib.sha256(json.dumps([embedder.name, slugs, texts]).encode()).hexdigest()[:24]
    return settings.VAR_DIR / "cache" / f"concept-vectors-{digest}.bin"


def _with_concept_vectors(tagger, embedder) -> None:
    """Hand the engine the vocabulary's concept vectors kept on disk, or compute and keep them: they depend only
    on the vocabulary and the backend, and take seconds to compute, which every process would pay on its first
    grouping. The file is a little-endian count of vectors, their lengths, then the backend's stored form."""
    if not embedder.dim or engine.knows_concept_vectors(tagger, embedder):
        return
    path = _concept_vectors_file(tagger, embedder)
    try:
        data = path.read_bytes()
        count = int(np.frombuffer(data, dtype="<u4", count=1)[0])
        lengths = np.frombuffer(data, dtype="<u4", count=count, offset=4)
        vectors, offset = [], 4 + 4 * count
        for length in lengths:
            vectors.append(embedder.from_bytes(data[offset:offset + int(length)]))
            offset += int(length)
        engine.remember_concept_vectors(tagger, embedder, vectors)
        return
    except (OSError, ValueError, IndexError):
        pass  # none kept yet, or unreadable: computed again below
    _slugs, vectors = engine.concept_vectors(tagger, embedder)
    blobs = [embedder.to_bytes(vector) for vector in vectors]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(np.array([len(blobs), *map(len, blobs)], dtype="<u4").tobytes() + b"".join(blobs))
    partial.replace(path)  # atomic: a reader never sees half a file


def _space(challenge: Challenge) -> engine.Space:
    from filiera.matching import store

    embedder = store.embedder()
    tagger = store.index_store.tagger()
    _with_concept_vectors(tagger, embedder)
    needs = []
    for row in challenge.needs.order_by("pk"):
        vector = embedder.from_bytes(row.vector) if row.vector_kind == embedder.name else None
        needs.append(engine.Need(id=row.pk, text=row.text, language=row.language, actor=row.actor, vector=vector))
    return engine.represent(needs, tagger=tagger, embedder=embedder)


def _grouping(challenge: Challenge, space: engine.Space | None = None) -> tuple[engine.Grouping, list[Theme]]:
    """The stored themes as the engine's grouping (in their order), with the rows."""
    space = space or _space(challenge)
    rows = list(challenge.themes.order_by("position", "pk"))
    members: dict[int, list[int]] = {row.pk: [] for row in rows}
    ungrouped = []
    for need_id, theme_id in challenge.needs.order_by("pk").values_list("pk", "theme_id"):
        (members[theme_id] if theme_id in members else ungrouped).append(need_id)
    themes = [engine.Theme(needs=members[row.pk], label=row.label, concepts=list(row.concepts),
                           keywords=list(row.keywords), cohesion=row.cohesion, named=row.named) for row in rows]
    return engine.Grouping(themes, ungrouped, space, challenge.language), rows


def _store(challenge: Challenge, grouping: engine.Grouping, rows: list[Theme]) -> list[Theme]:
    """Write the grouping over the stored themes. A theme keeps the row of the stored theme it shares the most
    needs with (so that a merged or split theme keeps its address and history where it can); the rows left over
    are deleted."""
    stored, free = [], list(rows)
    members: dict[int, set[int]] = {}
    for need_id, theme_id in challenge.needs.values_list("pk", "theme_id"):
        members.setdefault(theme_id, set()).add(need_id)
    for position, theme in enumerate(grouping.themes):
        overlaps = [(len(members.get(row.pk, set()) & set(theme.needs)), row) for row in free]
        best = max(overlaps, key=lambda pair: pair[0], default=(0, None))
        if best[0]:
            row = best[1]
            free.remove(row)
        else:
            row = Theme(challenge=challenge)
        row.position, row.label, row.named = position, theme.label[:200], theme.named
        row.concepts, row.keywords, row.cohesion = list(theme.concepts), list(theme.keywords), round(theme.cohesion, 4)
        row.save()
        Need.objects.filter(challenge=challenge, pk__in=theme.needs).exclude(theme=row).update(theme=row)
        stored.append(row)
    for row in free:
        row.delete()
    Need.objects.filter(challenge=challenge, pk__in=grouping.ungrouped).update(theme=None)
    return stored


@transaction.atomic
def group_needs(viewer: Viewer, challenge: Challenge, *, max_themes: int | None = None,
                min_size: int = 2) -> list[Theme]:
    """Group all the needs into themes anew (the themes there were, and the names staff gave, are replaced)."""
    _require_manage(viewer, challenge)
    _require_structure(challenge)
    if challenge.needs.count() < 2:
        raise ValidationError(_("There must be two needs at least to group them into themes."))
    if max_themes is not None and max_themes < 1:
        raise ValidationError({"max_themes": _("Ask for one theme at least.")})
    grouping = engine.group(_space(challenge), min_size=min_size, max_themes=max_themes, language=challenge.language)
    rows = list(challenge.themes.order_by("position", "pk"))
    return _store(challenge, grouping, rows)


def _position(rows: list[Theme], theme: Theme) -> int:
    for position, row in enumerate(rows):
        if row.pk == theme.pk:
            return position
    raise ValidationError(_("That theme is not one of this challenge's."))


@transaction.atomic
def merge_themes(viewer: Viewer, theme: Theme, other: Theme) -> Theme:
    challenge = theme.challenge
    _require_manage(viewer, challenge)
    _require_structure(challenge)
    grouping, rows = _grouping(challenge)
    first, second = _position(rows, theme), _position(rows, other)
    if first == second:
        raise ValidationError(_("Choose another theme to merge with."))
    stored = _store(challenge, engine.merge(grouping, first, second), rows)
    return stored[min(first, second)]


@transaction.atomic
def split_theme(viewer: Viewer, theme: Theme) -> list[Theme]:
    challenge = theme.challenge
    _require_manage(viewer, challenge)
    _require_structure(challenge)
    grouping, rows = _grouping(challenge)
    position = _position(rows, theme)
    if len(grouping.themes[position].needs) < 2:
        raise ValidationError(_("A theme of one need cannot be split."))
    stored = _store(challenge, engine.split(grouping, position), rows)
    return stored[position:position + 2]


@transaction.atomic
def rename_theme(viewer: Viewer, theme: Theme, label: str) -> Theme:
    """Name a theme; an empty label gives it back its computed one."""
    challenge = theme.challenge
    _require_manage(viewer, challenge)
    if challenge.stage == Challenge.Stage.CLOSED:
        raise ValidationError(_("The challenge is closed."))
    label = " ".join((label or "").split())
    if len(label) > 200:
        raise ValidationError({"label": _("Keep a label under 200 characters.")})
    if label:
        theme.label, theme.named = label, True
        theme.save()
        return theme
    grouping, rows = _grouping(challenge)
    position = _position(rows, theme)
    return _store(challenge, engine.relabel(grouping, position), rows)[position]


@transaction.atomic
def place_need(viewer: Viewer, need: Need, theme: Theme | None) -> Need:
    """Move a need into a theme (or out of every theme); the themes it left and joined are labelled anew unless
    staff named them, and a theme left empty is removed."""
    challenge = need.challenge
    _require_manage(viewer, challenge)
    _require_structure(challenge)
    if theme is not None and theme.challenge_id != challenge.pk:
        raise ValidationError(_("That theme is not one of this challenge's."))
    before = need.theme_id
    need.theme = theme
    need.save()
    _after_change(challenge, [pk for pk in (before, theme.pk if theme else None) if pk is not None])
    return need


def _after_change(challenge: Challenge, theme_ids: list[int]) -> None:
    """Label anew the themes whose needs changed, and drop those left empty."""
    challenge.themes.filter(pk__in=theme_ids, needs__isnull=True).delete()
    grouping, rows = _grouping(challenge)
    for position, row in enumerate(rows):
        if row.pk in theme_ids and not row.named:
            grouping = engine.relabel(grouping, position)
    _store(challenge, grouping, rows)


def theme_text(theme: Theme, limit: int = 1000) -> str:
    """What the matching engine looks for when it suggests members and offers for a theme (its needs as prefetched,
    when they are)."""
    needs = sorted(theme.needs.all(), key=lambda need: need.pk)
    return ". ".join([theme.label, " ".join(theme.keywords), *(need.text for need in needs)])[:limit]


# --- votes ---------------------------------------------------------------------------------------------------------


def voter_key(user_id: int | None, session_key: str | None, challenge: Challenge) -> str:
    """Who casts a ballot: a signed-in user, or a browser (its session, hashed) where visitors may vote."""
    if user_id is not None:
        return f"user:{user_id}"
    if not challenge.open_voting:
        raise PermissionDenied(_("Sign in to vote on this challenge."))
    if not session_key:
        raise ValidationError(_("Your browser must accept cookies to vote."))
    return "browser:" + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def ballot(challenge: Challenge, voter: str) -> set[int]:
    return set(Vote.objects.filter(challenge=challenge, voter=voter).values_list("theme_id", flat=True))


@transaction.atomic
def cast_ballot(challenge: Challenge, voter: str, theme_ids) -> set[int]:
    """The voter's ballot becomes these themes (voting again replaces it)."""
    if challenge.stage != Challenge.Stage.VOTING:
        raise ValidationError(_("The vote on this challenge's priorities is not open."))
    wanted = set(theme_ids)
    if not wanted:
        raise ValidationError(_("Choose at least one theme."))
    if len(wanted) > VOTES_PER_BALLOT:
        raise ValidationError(_("Choose at most %(n)s themes.") % {"n": VOTES_PER_BALLOT})
    known = set(challenge.themes.filter(pk__in=wanted).values_list("pk", flat=True))
    if known != wanted:
        raise ValidationError(_("Vote for this challenge's themes only."))
    Vote.objects.filter(challenge=challenge, voter=voter).exclude(theme_id__in=wanted).delete()
    already = ballot(challenge, voter)
    Vote.objects.bulk_create([Vote(challenge=challenge, theme_id=pk, voter=voter) for pk in wanted - already])
    return wanted


@dataclass
class Priority:
    theme: Theme
    votes: int
    share: float  # of the voters
    rank: int


def priorities(challenge: Challenge) -> list[Priority]:
    """The themes by votes, the most first (ties keep the themes' order), with their share of the voters."""
    voters = Vote.objects.filter(challenge=challenge).values("voter").distinct().count()
    rows = list(challenge.themes.annotate(vote_count=Count("votes")).order_by("-vote_count", "position", "pk"))
    ranked, rank, previous = [], 0, None
    for index, row in enumerate(rows):
        if row.vote_count != previous:
            rank, previous = index + 1, row.vote_count
        ranked.append(Priority(row, row.vote_count, row.vote_count / voters if voters else 0.0, rank))
    return ranked


# --- solutions -----------------------------------------------------------------------------------------------------


def eligible_organisations(challenge: Challenge) -> QuerySet:
    """Who may answer: active members of the challenge's cluster or of a cluster in one of its networks."""
    return projects.candidates_for(challenge.cluster, network=True)


def answering_organisations(viewer: Viewer, challenge: Challenge) -> list[Organisation]:
    """The organisations this viewer may answer for."""
    if not viewer.organisation_ids:
        return []
    return list(eligible_organisations(challenge).filter(pk__in=viewer.organisation_ids).order_by("name"))


def accepts_solutions(challenge: Challenge, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return challenge.stage == Challenge.Stage.SOLUTIONS and (challenge.closes_on is None
                                                              or today <= challenge.closes_on)


@transaction.atomic
def submit_solution(viewer: Viewer, theme: Theme, organisation: Organisation, data: dict, *, user=None,
                    today: datetime.date | None = None) -> Solution:
    """An organisation's answer to a theme, new or edited (one per organisation and theme)."""
    challenge = theme.challenge
    if not accepts_solutions(challenge, today):
        raise ValidationError(_("This challenge is not taking solutions now."))
    if not viewer.represents(organisation.pk):
        raise PermissionDenied
    if not eligible_organisations(challenge).filter(pk=organisation.pk).exists():
        raise ValidationError(_("Solutions come from the active members of %(cluster)s and its network.")
                              % {"cluster": challenge.cluster.name})
    opportunity = data.get("opportunity")
    if opportunity is not None and opportunity.organisation_id != organisation.pk:
        raise ValidationError({"opportunity": _("Choose one of your organisation's offers.")})
    solution = Solution.objects.filter(theme=theme, organisation=organisation).first() \
        or Solution(theme=theme, organisation=organisation, author=user)
    assign(solution, data, SOLUTION_FIELDS)
    solution.title = " ".join((solution.title or "").split())
    solution.full_clean()
    solution.save()
    return solution


def set_status(viewer: Viewer, solution: Solution, status: str) -> Solution:
    """Staff shortlist a solution, decline it, or put it back among those submitted."""
    _require_manage(viewer, solution.theme.challenge)
    if status not in Solution.Status.values:
        raise ValidationError(_("Unknown status."))
    solution.status = status
    solution.save()
    return solution


def visible_solutions(viewer: Viewer, challenge: Challenge) -> QuerySet:
    solutions = Solution.objects.filter(theme__challenge=challenge).select_related("organisation", "theme",
                                                                                    "opportunity")
    if can_manage(viewer, challenge):
        return solutions
    return solutions.filter(organisation_id__in=viewer.organisation_ids)


# --- what the matching engine suggests -----------------------------------------------------------------------------


def suggested_solvers(challenge: Challenge, themes=None, top: int = SUGGESTED_SOLVERS
                      ) -> dict[int, list[tuple[int, list[str]]]]:
    """Per theme (all the challenge's, or those given, their needs prefetched where they are), the members the
    matching engine finds for it: organisation ids, best first, with the reasons, among those who may answer.
    Cached for a while per theme: the index and the theme change slowly, and a member's page asks for every theme;
    who may answer is read once, and only when a theme is not cached."""
    from filiera.matching.services import organisations_among

    if themes is None:
        themes = challenge.themes.prefetch_related("needs")
    eligible = None
    found = {}
    for theme in themes:
        text = theme_text(theme)
        key = "challenge-solvers:" + hashlib.sha256(f"{theme.pk}:{top}:{text}".encode()).hexdigest()
        solvers = cache.get(key)
        if solvers is None:
            if eligible is None:
                eligible = list(eligible_organisations(challenge).values_list("pk", flat=True))
            solvers = organisations_among(text, eligible, top=top)
            cache.set(key, solvers, SUGGESTIONS_CACHE_SECONDS)
        found[theme.pk] = solvers
    return found


def themes_for(viewer: Viewer, challenge: Challenge) -> dict[int, list[str]]:
    """The themes the matching engine suggests to the viewer's organisations: theme id -> the reasons."""
    mine = {o.pk for o in answering_organisations(viewer, challenge)}
    if not mine:
        return {}
    suggested = {}
    for theme_id, solvers in suggested_solvers(challenge).items():
        for organisation_id, reasons in solvers:
            if organisation_id in mine:
                suggested.setdefault(theme_id, reasons)
    return suggested


def offers_for(theme: Theme, organisation: Organisation, top: int = 3) -> list[Opportunity]:
    """The organisation's published offers that fit a theme best, the best first (what a solution builds on)."""
    from filiera.matching.services import MatchingError, ranked_ids

    offers = {o.pk: o for o in organisation.opportunities.filter(status=Opportunity.Status.PUBLISHED)}
    if not offers:
        return []
    try:
        ranked = ranked_ids(theme_text(theme), what="opportunities", top=500)
    except MatchingError:
        return []
    return [offers[pk] for pk in ranked if pk in offers][:top]


@dataclass
class InvitationReport:
    organisations: int = 0  # invited now
    people: int = 0  # representatives mailed
    already: int = 0  # suggested, and invited before
    unreached: list[str] = field(default_factory=list)  # suggested, with no representative email


@transaction.atomic
def invite_solvers(viewer: Viewer, challenge: Challenge, now: datetime.datetime | None = None) -> InvitationReport:
    """Invite the members the matching engine suggests for the themes (SUGGESTED_SOLVERS a theme) to answer them:
    each organisation's representatives are mailed once, in their language, with the themes suggested for it.
    Inviting again reaches only the organisations suggested since (after new members, or themes renamed). The
    emails leave after the transaction commits, through a background task."""
    _require_manage(viewer, challenge)
    if not accepts_solutions(challenge):
        raise ValidationError(_("Members are invited to answer while the challenge collects solutions."))
    suggested: dict[int, list[int]] = {}
    for theme_id, solvers in suggested_solvers(challenge).items():  # the themes in their order
        for organisation_id, _reasons in solvers:
            suggested.setdefault(organisation_id, []).append(theme_id)
    invited = set(challenge.invitations.values_list("organisation_id", flat=True))
    report = InvitationReport(already=len(invited & set(suggested)))
    new = [pk for pk in suggested if pk not in invited]
    people = representatives_with_email(new)
    names = dict(Organisation.objects.filter(pk__in=new).values_list("pk", "name"))
    now = now or timezone.now()
    created = []
    for organisation_id in sorted(new):
        if not people.get(organisation_id):
            report.unreached.append(names[organisation_id])
            continue
        created.append(Invitation.objects.create(challenge=challenge, organisation_id=organisation_id,
                                                 themes=suggested[organisation_id], sent_at=now).pk)
        report.organisations += 1
        report.people += len(people[organisation_id])
    report.unreached.sort(key=str.casefold)
    if created:
        from filiera.challenges.tasks import send_invitations

        transaction.on_commit(lambda: send_invitations(created))
    return report


def mail_invitations(invitation_ids: list[int]) -> int:
    """Mail each representative (with an email) of each invited organisation the themes suggested for it, in the
    person's language; one email per person. Returns the emails sent."""
    invitations = list(Invitation.objects.filter(pk__in=invitation_ids).select_related("challenge__cluster",
                                                                                      "organisation"))
    people = representatives_with_email([i.organisation_id for i in invitations])
    themes = Theme.objects.in_bulk([pk for i in invitations for pk in i.themes])
    sent = 0
    with get_connection() as connection:
        for invitation in invitations:
            challenge = invitation.challenge
            context = {"challenge": challenge, "cluster": challenge.cluster, "organisation": invitation.organisation,
                       "themes": [themes[pk] for pk in invitation.themes if pk in themes],
                       "link": settings.SITE_URL.rstrip("/") + reverse("challenges:detail", args=[challenge.pk])}
            for person in people.get(invitation.organisation_id, []):
                with translation.override(person.language):
                    subject = render_to_string("challenges/email/invitation_subject.txt", context).strip()
                    body = render_to_string("challenges/email/invitation_body.txt", {**context, "person": person})
                sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email], connection=connection)
    return sent


# --- the transformative activity -----------------------------------------------------------------------------------


def activity_needs(theme: Theme) -> list[tuple[Concept, float]]:
    """The competences a theme asks of a consortium: its characteristic concepts (twice the weight) and those its
    needs and shortlisted solutions name."""
    from filiera.matching.services import concepts_in

    strong = list(theme.concepts)
    texts = [need.text for need in theme.needs.all()]
    texts += [f"{s.title}. {s.description}" for s in theme.solutions.filter(status=Solution.Status.SHORTLISTED)]
    named = Counter(slug for text in texts for slug in set(concepts_in(text)))
    slugs = list(dict.fromkeys([*strong, *(slug for slug, _n in named.most_common(8))]))
    concepts = Concept.objects.in_bulk(slugs, field_name="slug")
    return [(concepts[slug], 2.0 if slug in strong else 1.0) for slug in slugs if slug in concepts]


def shortlisted_organisations(theme: Theme) -> list[Organisation]:
    return [s.organisation for s in theme.solutions.filter(status=Solution.Status.SHORTLISTED)
            .select_related("organisation").order_by("organisation__name")]


def _require_activity_stage(challenge: Challenge) -> None:
    if challenge.stage not in (Challenge.Stage.SOLUTIONS, Challenge.Stage.CLOSED):
        raise ValidationError(_("A theme becomes an activity once solutions are being collected."))


def build_consortia(viewer: Viewer, theme: Theme, *, min_size: int | None = None, max_size: int | None = None,
                    max_per_country: int | None = None, network: bool = True, coordinator: Organisation | None = None
                    ) -> list[projects.Alternative]:
    """The consortium builder's best consortia for a theme: its shortlisted solutions' organisations are in, and
    the rest cover the competences the theme asks for."""
    challenge = theme.challenge
    _require_manage(viewer, challenge)
    _require_activity_stage(challenge)
    request = projects.BuilderInput(
        call=None, coordinator=coordinator, include=shortlisted_organisations(theme), min_size=min_size,
        max_size=max_size, max_per_country=max_per_country, network=network, needs=activity_needs(theme),
        text=f"{challenge.title}. {theme_text(theme)}")
    return projects.build_consortia(viewer, challenge.cluster, request)


def activity_summary(theme: Theme) -> str:
    """The project idea's summary: the problem, the needs behind the theme and the solutions retained."""
    challenge = theme.challenge
    needs = list(theme.needs.order_by("pk"))
    lines = [challenge.statement.strip(), "",
             _("Theme: %(label)s (%(n)s needs voiced by %(actors)s).") % {
                 "label": theme.label, "n": len(needs),
                 "actors": ", ".join(f"{label} {n}" for label, n in actor_counts(needs))}]
    lines += [f"- {need.text}" for need in needs[:10]]
    solutions = theme.solutions.filter(status=Solution.Status.SHORTLISTED).select_related("organisation")
    if solutions:
        lines += ["", _("Solutions shortlisted:")]
        lines += [f"- {s.organisation.name}: {s.title}" for s in solutions]
    return "\n".join(lines)


@transaction.atomic
def save_activity(viewer: Viewer, theme: Theme, organisations: list[Organisation], *, acronym: str,
                  coordinator: Organisation | None = None, user=None) -> Project:
    """Turn a theme into a transformative activity: a project idea with this consortium, linked to the theme."""
    challenge = theme.challenge
    _require_manage(viewer, challenge)
    _require_activity_stage(challenge)
    if theme.activity_id is not None:
        raise ValidationError(_("This theme is already the activity %(acronym)s.") % {"acronym": theme.activity})
    project = projects.save_consortium(viewer, challenge.cluster, organisations, coordinator=coordinator, user=user,
                                       data={"acronym": acronym, "title": f"{challenge.title}: {theme.label}"[:400],
                                             "summary": activity_summary(theme), "status": Project.Status.IDEA})
    theme.activity = project
    theme.save()
    return project
