"""Public pages of open-innovation challenges (namespace "challenges"): the challenges a viewer may see; a challenge
with its themes and needs, where anyone voices a need while it collects them and participants vote their priorities;
and a member's solution to a theme, the matching engine suggesting the themes and the offer that fit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.challenges import services
from filiera.challenges.forms import BallotForm, PublicNeedForm, SolutionForm
from filiera.challenges.models import VOTES_PER_BALLOT, Challenge, Need, Solution, Theme
from filiera.core.access import viewer_for
from filiera.directory.forms import add_service_error

PAGE_SIZE = 30
LATER_STAGES = (Challenge.Stage.SOLUTIONS, Challenge.Stage.CLOSED)


def challenge_list(request):
    viewer = viewer_for(request.user)
    challenges = services.visible_challenges(viewer).annotate(need_count=Count("needs", distinct=True)) \
        .order_by("-created_at", "-pk")
    stage = request.GET.get("stage", "")
    if stage in Challenge.Stage.values:
        challenges = challenges.filter(stage=stage)
    page = Paginator(challenges, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "challenges/list.html", {"page": page, "stage": stage,
                                                    "stages": Challenge.Stage.choices})


def _challenge(request, pk: int) -> Challenge:
    return get_object_or_404(services.visible_challenges(viewer_for(request.user)), pk=pk)


def _current_voter(request, challenge: Challenge) -> str | None:
    """Who this browser votes as, if it may vote (without creating a session just to look)."""
    try:
        return services.voter_key(request.user.pk if request.user.is_authenticated else None,
                                  request.session.session_key, challenge)
    except (PermissionDenied, ValidationError):
        return None


def _detail(request, challenge: Challenge, need_form=None, status: int = 200):
    viewer = viewer_for(request.user)
    themes = list(challenge.themes.prefetch_related(Prefetch("needs", queryset=Need.objects.order_by("pk")))
                  .annotate(vote_count=Count("votes")))
    suggested = {}
    answering = []
    if challenge.stage == Challenge.Stage.SOLUTIONS:
        answering = services.answering_organisations(viewer, challenge)
        if answering:
            suggested = services.themes_for(viewer, challenge)
            # The themes the matching engine suggests come first, in their own order.
            themes.sort(key=lambda theme: theme.pk not in suggested)
    for theme in themes:
        theme.reasons = suggested.get(theme.pk)
    voting = challenge.stage == Challenge.Stage.VOTING
    voter = _current_voter(request, challenge) if voting else None
    mine = services.ballot(challenge, voter) if voter else set()
    ballot_form = None
    if voting and (request.user.is_authenticated or challenge.open_voting):
        ballot_form = BallotForm(challenge=challenge, initial={"theme": list(mine)})
    own_solutions = []
    if viewer.organisation_ids:
        own_solutions = services.visible_solutions(viewer, challenge) \
            .filter(organisation_id__in=viewer.organisation_ids).order_by("theme__position", "organisation__name")
    if need_form is None and services.accepts_needs(challenge):
        need_form = PublicNeedForm()
    return render(request, "challenges/detail.html", {
        "challenge": challenge, "themes": themes,
        "ungrouped": challenge.needs.filter(theme__isnull=True).order_by("pk"),
        "need_count": challenge.needs.count(),
        "need_form": need_form,
        "voting": voting, "ballot_form": ballot_form, "votes_per_ballot": VOTES_PER_BALLOT,
        "has_voted": bool(mine),
        "show_votes": challenge.stage in LATER_STAGES,
        "accepts_solutions": services.accepts_solutions(challenge), "answering": answering,
        "own_solutions": own_solutions, "can_manage": services.can_manage(viewer, challenge),
    }, status=status)


def challenge_detail(request, pk: int):
    return _detail(request, _challenge(request, pk))


@require_POST
def voice(request, pk: int):
    """A need from the public form; on an error the page comes back with the need as typed."""
    challenge = _challenge(request, pk)
    form = PublicNeedForm(request.POST)
    if request.POST.get("website"):  # the honeypot: a robot filled in the field people do not see
        messages.success(request, _("Thank you: your need is recorded."))
        return redirect("challenges:detail", pk=challenge.pk)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.voice_need(challenge, {"text": data["text"], "actor": data["actor"],
                                            "voiced_by": data["voiced_by"]})
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Thank you: your need is recorded."))
            return redirect(reverse("challenges:detail", args=[challenge.pk]) + "#needs")
    return _detail(request, challenge, need_form=form, status=400)


@require_POST
def vote(request, pk: int):
    """A ballot: a signed-in user votes as themselves, a visitor once per browser where the challenge allows it."""
    challenge = _challenge(request, pk)
    back = reverse("challenges:detail", args=[challenge.pk])
    user_id = request.user.pk if request.user.is_authenticated else None
    if user_id is None and challenge.open_voting and not request.session.session_key:
        request.session.save()  # the browser's ballot is keyed on its session: make sure it has one
    try:
        voter = services.voter_key(user_id, request.session.session_key, challenge)
    except PermissionDenied as refusal:
        messages.info(request, " ".join(str(arg) for arg in refusal.args) or _("Sign in to vote on this challenge."))
        return redirect_to_login(back)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    form = BallotForm(request.POST, challenge=challenge)
    if not form.is_valid():
        messages.error(request, _("Vote for this challenge's themes only."))
        return redirect(back + "#vote")
    try:
        services.cast_ballot(challenge, voter, [theme.pk for theme in form.cleaned_data["theme"]])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your vote is recorded. You may change it until the vote closes."))
    return redirect(back + "#vote")


def solution(request, pk: int, theme_pk: int):
    """A member's solution to a theme: new, or the one their organisation gave already (edited)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    challenge = _challenge(request, pk)
    theme = get_object_or_404(Theme, pk=theme_pk, challenge=challenge)
    viewer = viewer_for(request.user)
    organisations = services.answering_organisations(viewer, challenge)
    if not organisations:
        return render(request, "challenges/solution.html", {"challenge": challenge, "theme": theme,
                                                            "organisations": []}, status=403)
    by_pk = {o.pk: o for o in organisations}
    chosen = by_pk.get(_int(request.POST.get("organisation") or request.GET.get("organisation")), organisations[0])
    existing = Solution.objects.filter(theme=theme, organisation=chosen).select_related("opportunity").first()
    offers = services.offers_for(theme, chosen)
    initial = {"organisation": chosen.pk}
    if existing is not None:
        initial.update(title=existing.title, description=existing.description, opportunity=existing.opportunity_id)
    elif offers:
        initial["opportunity"] = offers[0].pk  # the offer the matching engine finds closest to the theme
    form = SolutionForm(request.POST or None, organisations=organisations, initial=initial)
    accepts = services.accepts_solutions(challenge)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.submit_solution(viewer, theme, data["organisation"], {
                "title": data["title"], "description": data["description"], "opportunity": data["opportunity"]},
                user=request.user)
        except PermissionDenied:
            form.add_error("organisation", _("You do not represent this organisation."))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your solution to “%(theme)s” is saved. The cluster's staff will read it.")
                             % {"theme": theme.label})
            return redirect(reverse("challenges:detail", args=[challenge.pk]) + "#solutions")
    return render(request, "challenges/solution.html", {
        "challenge": challenge, "theme": theme, "needs": theme.needs.order_by("pk"), "form": form,
        "organisations": organisations, "chosen": chosen, "existing": existing, "offers": offers,
        "accepts": accepts}, status=400 if request.method == "POST" else 200)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
