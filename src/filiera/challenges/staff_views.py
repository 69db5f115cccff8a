"""A cluster's challenges in its back office (/c/<cluster>/challenges/, namespace "challenges_staff"): the list, the
challenge form, and the page that runs a challenge — its stages, the needs entered at a workshop, the themes grouped by
the engine and edited by staff, the priorities voted, the solutions shortlisted and the suggested solvers — and the
page that turns a theme into a transformative activity with the consortium builder.

Observers read the cluster's dashboards but change nothing: these pages are for staff only (a 404 for observers, as
for every other staff-only page). Every POST ends with a message and a redirect back to the challenge's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from filiera.challenges import services
from filiera.challenges.forms import ActivityForm, ActivitySaveForm, ChallengeForm, GroupForm, NeedForm
from filiera.challenges.models import Challenge, Need, Solution, Theme
from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.directory.forms import add_service_error
from filiera.directory.models import Organisation

VOTED_STAGES = (Challenge.Stage.VOTING, Challenge.Stage.SOLUTIONS, Challenge.Stage.CLOSED)
ACTIVITY_STAGES = (Challenge.Stage.SOLUTIONS, Challenge.Stage.CLOSED)


def _challenge(request, pk: int) -> Challenge:
    return get_object_or_404(Challenge.objects.select_related("cluster", "owner"), pk=pk, cluster=request.cluster)


def _theme(challenge: Challenge, pk) -> Theme:
    """One of the challenge's themes, by an id from the URL or a form (anything else is a 404)."""
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(Theme, pk=pk, challenge=challenge)


def _back(request, challenge: Challenge, anchor: str = ""):
    return redirect(reverse("challenges_staff:manage", args=[request.cluster.slug, challenge.pk])
                    + (f"#{anchor}" if anchor else ""))


def _refused(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@cluster_view(Role.STAFF)
def challenge_list(request):
    challenges = request.cluster.challenges.select_related("owner").annotate(
        need_count=Count("needs", distinct=True), theme_count=Count("themes", distinct=True)) \
        .order_by("-created_at", "-pk")
    return render(request, "challenges/staff/list.html", {"challenges": challenges})


@cluster_view(Role.STAFF)
def challenge_edit(request, pk: int | None = None):
    challenge = _challenge(request, pk) if pk else None
    form = ChallengeForm(request.POST or None, record=challenge, cluster=request.cluster)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.CHALLENGE_FIELDS}
        try:
            challenge = services.save_challenge(request.viewer, request.cluster, data, challenge=challenge,
                                                user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The challenge is saved."))
            return _back(request, challenge)
    return render(request, "challenges/staff/edit.html", {"form": form, "challenge": challenge})


def _manage_page(request, challenge: Challenge, need_form=None, status: int = 200):
    needs = list(challenge.needs.select_related("theme").order_by("pk"))
    solutions = Solution.objects.select_related("organisation", "opportunity").order_by("status", "created_at")
    themes = list(challenge.themes.prefetch_related(Prefetch("needs", queryset=Need.objects.order_by("pk")),
                                                    Prefetch("solutions", queryset=solutions))
                  .select_related("activity").annotate(vote_count=Count("votes")))
    solvers = services.suggested_solvers(challenge, themes)
    names = Organisation.objects.in_bulk({pk for found in solvers.values() for pk, _reasons in found})
    for theme in themes:
        theme.others = [other for other in themes if other.pk != theme.pk]
        theme.solvers = [(names[pk], reasons) for pk, reasons in solvers[theme.pk] if pk in names]
        theme.actors = services.actor_counts(theme.needs.all())
    return render(request, "challenges/staff/manage.html", {
        "challenge": challenge, "needs": needs, "themes": themes,
        "ungrouped": [need for need in needs if need.theme_id is None],
        "actor_counts": services.actor_counts(needs),
        "stages": [(stage, Challenge.Stage(stage).label) for stage in services.next_stages(challenge)],
        "editable": services.structure_editable(challenge),
        "renamable": challenge.stage != Challenge.Stage.CLOSED,
        "need_form": need_form or NeedForm(prefix="need"), "group_form": GroupForm(),
        "priorities": services.priorities(challenge) if challenge.stage in VOTED_STAGES else [],
        "activity_stage": challenge.stage in ACTIVITY_STAGES,
        "statuses": Solution.Status.choices,
        "accepts_solutions": services.accepts_solutions(challenge), "invited": challenge.invitations.count(),
    }, status=status)


@cluster_view(Role.STAFF)
def manage(request, pk: int):
    return _manage_page(request, _challenge(request, pk))


@cluster_view(Role.STAFF)
@require_POST
def stage(request, pk: int):
    challenge = _challenge(request, pk)
    try:
        services.move(request.viewer, challenge, request.POST.get("stage", ""))
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The challenge is now at the stage: %(stage)s.")
                         % {"stage": challenge.get_stage_display()})
    return _back(request, challenge)


@cluster_view(Role.STAFF)
@require_POST
def need(request, pk: int):
    """A need voiced at a workshop, entered by staff; on an error the page comes back with the need as typed."""
    challenge = _challenge(request, pk)
    form = NeedForm(request.POST, prefix="need")
    if form.is_valid():
        try:
            services.enter_need(request.viewer, challenge, dict(form.cleaned_data), user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The need is recorded."))
            return _back(request, challenge, "needs")
    return _manage_page(request, challenge, need_form=form, status=400)


@cluster_view(Role.STAFF)
@require_POST
def need_action(request, pk: int, need_pk: int):
    """Remove a need, or place it into a theme (or out of every theme)."""
    challenge = _challenge(request, pk)
    target = get_object_or_404(Need, pk=need_pk, challenge=challenge)
    action = request.POST.get("action")
    try:
        if action == "remove":
            services.remove_need(request.viewer, target)
            messages.success(request, _("The need is removed."))
        elif action == "place":
            theme_pk = request.POST.get("theme")
            theme = _theme(challenge, theme_pk) if theme_pk else None
            services.place_need(request.viewer, target, theme)
            messages.success(request, _("The need is placed in “%(theme)s”.") % {"theme": theme.label} if theme
                             else _("The need is out of every theme."))
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        _refused(request, error)
    return _back(request, challenge, "needs")


@cluster_view(Role.STAFF)
@require_POST
def group(request, pk: int):
    challenge = _challenge(request, pk)
    form = GroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return _back(request, challenge, "themes")
    try:
        themes = services.group_needs(request.viewer, challenge, max_themes=form.cleaned_data["max_themes"])
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The needs are grouped into %(n)s themes.") % {"n": len(themes)})
    return _back(request, challenge, "themes")


@cluster_view(Role.STAFF)
@require_POST
def theme(request, pk: int, theme_pk: int):
    """Merge a theme with another, split it in two, or rename it (an empty name gives back the computed one)."""
    challenge = _challenge(request, pk)
    subject = _theme(challenge, theme_pk)
    action = request.POST.get("action")
    try:
        if action == "merge":
            other = request.POST.get("other")
            if not other:
                raise ValidationError(_("Choose another theme to merge with."))
            merged = services.merge_themes(request.viewer, subject, _theme(challenge, other))
            messages.success(request, _("The themes are merged into “%(theme)s”.") % {"theme": merged.label})
        elif action == "split":
            parts = services.split_theme(request.viewer, subject)
            messages.success(request, _("The theme is split into “%(first)s” and “%(second)s”.")
                             % {"first": parts[0].label, "second": parts[-1].label})
        elif action == "rename":
            renamed = services.rename_theme(request.viewer, subject, request.POST.get("label", ""))
            messages.success(request, _("The theme is now called “%(theme)s”.") % {"theme": renamed.label})
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        _refused(request, error)
    return _back(request, challenge, "themes")


@cluster_view(Role.STAFF)
@require_POST
def invite(request, pk: int):
    challenge = _challenge(request, pk)
    try:
        report = services.invite_solvers(request.viewer, challenge)
    except ValidationError as error:
        _refused(request, error)
        return _back(request, challenge)
    if report.organisations:
        messages.success(request, ngettext("%(count)s member is invited; emails sent to representatives: %(people)s.",
                                           "%(count)s members are invited; emails sent to representatives: %(people)s.",
                                           report.organisations)
                         % {"count": report.organisations, "people": report.people})
    else:
        messages.info(request, _("No member to invite: every member suggested is invited already."))
    if report.unreached:
        messages.warning(request, _("Suggested, but without a representative with an email: %(names)s.")
                         % {"names": ", ".join(report.unreached)})
    return _back(request, challenge)


@cluster_view(Role.STAFF)
@require_POST
def solution_status(request, pk: int, solution_pk: int):
    challenge = _challenge(request, pk)
    solution = get_object_or_404(Solution.objects.select_related("theme__challenge", "organisation"),
                                 pk=solution_pk, theme__challenge=challenge)
    try:
        services.set_status(request.viewer, solution, request.POST.get("status", ""))
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The solution of %(org)s is now: %(status)s.")
                         % {"org": solution.organisation.name, "status": solution.get_status_display()})
    return _back(request, challenge, f"theme-{solution.theme_id}")


@cluster_view(Role.STAFF)
def activity(request, pk: int, theme_pk: int):
    """GET: the staff's choices and the consortium builder's best consortia for the theme, side by side. POST: the
    chosen one saved as the theme's project idea."""
    challenge = _challenge(request, pk)
    subject = _theme(challenge, theme_pk)
    organisations = services.eligible_organisations(challenge)
    if request.method == "POST":
        return _save_activity(request, challenge, subject, organisations)
    data = request.GET or None
    form = ActivityForm(data, organisations=organisations)
    alternatives = []
    if data is not None and form.is_valid() and subject.activity_id is None:
        choice = form.cleaned_data
        try:
            alternatives = services.build_consortia(
                request.viewer, subject, min_size=choice["min_size"], max_size=choice["max_size"],
                max_per_country=choice["max_per_country"], network=choice["network"],
                coordinator=choice["coordinator"])
        except ValidationError as error:
            add_service_error(form, error)
    return render(request, "challenges/staff/activity.html", {
        "challenge": challenge, "theme": subject, "form": form, "alternatives": alternatives,
        "needs": services.activity_needs(subject), "shortlisted": services.shortlisted_organisations(subject),
        "activity_stage": challenge.stage in ACTIVITY_STAGES})


def _save_activity(request, challenge: Challenge, subject: Theme, organisations):
    form = ActivitySaveForm(request.POST, organisations=organisations)
    if form.is_valid():
        data = form.cleaned_data
        try:
            project = services.save_activity(request.viewer, subject, list(data["organisations"]),
                                             acronym=data["acronym"], coordinator=data["coordinator"],
                                             user=request.user)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The project idea %(acronym)s is created with its partners.")
                             % {"acronym": project.acronym})
            return redirect("projects_staff:project", cluster_slug=request.cluster.slug, pk=project.pk)
    else:
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
    back = request.POST.get("back", "")
    url = reverse("challenges_staff:activity", args=[request.cluster.slug, challenge.pk, subject.pk])
    return redirect(url + back if back.startswith("?") else url)
