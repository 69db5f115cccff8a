"""Satisfaction surveys: the back office's pages (/c/<cluster>/monitoring/surveys/: the staff write, send, remind and
close a survey; observers read the list and the anonymous results) and a member's answer page (/surveys/<token>/,
no sign-in: the personal link is the credential)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.directory.forms import add_service_error
from filiera.monitoring import surveys
from filiera.monitoring.models import Survey
from filiera.monitoring.survey_forms import AnswerForm, SurveyForm


def _survey(request, pk: int) -> Survey:
    return get_object_or_404(Survey, pk=pk, cluster=request.cluster)


@cluster_view(Role.OBSERVER)
def survey_list(request):
    rows = list(surveys.surveys_of(request.cluster))
    for survey in rows:
        survey.rate = surveys.response_rate(survey.invited, survey.answered)
    return render(request, "monitoring/surveys/list.html", {"surveys": rows})


@cluster_view(Role.STAFF)
def survey_edit(request, pk: int | None = None):
    survey = _survey(request, pk) if pk else None
    if survey is not None and survey.status != Survey.Status.DRAFT:
        messages.error(request, _("Only a draft survey can be changed; this one was sent already."))
        return redirect("monitoring:survey_detail", cluster_slug=request.cluster.slug, pk=survey.pk)
    form = SurveyForm(request.POST or None, record=survey)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in surveys.SURVEY_FIELDS if name in form.cleaned_data}
        try:
            survey = surveys.save_survey(request.viewer, request.cluster, data, survey=survey, user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The survey is saved."))
            return redirect("monitoring:survey_detail", cluster_slug=request.cluster.slug, pk=survey.pk)
    return render(request, "monitoring/surveys/edit.html", {"form": form, "survey": survey})


@cluster_view(Role.OBSERVER)
def survey_detail(request, pk: int):
    survey = _survey(request, pk)
    return render(request, "monitoring/surveys/detail.html", {
        "survey": survey, "results": surveys.results(request.viewer, survey),
        "editable": surveys.can_manage(request.viewer, request.cluster),
        "accepts_answers": surveys.accepts_answers(survey), "services": surveys.SERVICES})


def _send_message(report: surveys.SendReport) -> str:
    if report.opened:
        parts = [ngettext("The survey is open: %(count)s member organisation is invited.",
                          "The survey is open: %(count)s member organisations are invited.",
                          report.invited) % {"count": report.invited}]
    else:
        parts = [ngettext("Reminder sent to %(count)s organisation that has not answered.",
                          "Reminder sent to %(count)s organisations that have not answered.",
                          report.organisations_mailed) % {"count": report.organisations_mailed}]
        if report.invited:
            parts.append(ngettext("%(count)s new member is invited.", "%(count)s new members are invited.",
                                  report.invited) % {"count": report.invited})
        if report.recently_mailed:
            parts.append(ngettext("%(count)s organisation was mailed less than a day ago and is left alone.",
                                  "%(count)s organisations were mailed less than a day ago and are left alone.",
                                  report.recently_mailed) % {"count": report.recently_mailed})
    parts.append(ngettext("%(count)s person is emailed a personal link.",
                          "%(count)s people are emailed a personal link.",
                          report.people_mailed) % {"count": report.people_mailed})
    return " ".join(parts)


@cluster_view(Role.STAFF)
@require_POST
def survey_send(request, pk: int):
    survey = _survey(request, pk)
    try:
        report = surveys.send(request.viewer, survey)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _send_message(report))
        if report.unreached:
            messages.warning(request, ngettext(
                "%(count)s member has no representative with an email and was not reached: %(names)s. Add an "
                "email in the directory, then send a reminder.",
                "%(count)s members have no representative with an email and were not reached: %(names)s. Add an "
                "email in the directory, then send a reminder.", len(report.unreached))
                % {"count": len(report.unreached), "names": ", ".join(report.unreached)})
    return redirect("monitoring:survey_detail", cluster_slug=request.cluster.slug, pk=survey.pk)


@cluster_view(Role.STAFF)
@require_POST
def survey_close(request, pk: int):
    survey = _survey(request, pk)
    try:
        surveys.close(request.viewer, survey)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The survey is closed; its answers stay in the year's indicators."))
    return redirect("monitoring:survey_detail", cluster_slug=request.cluster.slug, pk=survey.pk)


# --- a member's answer, through its personal link --------------------------------------------------------------------


def _private(response):
    """The page holds a personal link: keep it out of caches, search engines and other sites' referrer logs."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"  # not "no-referrer": the browser would then send "Origin: null"
    return response


def answer(request, token: str):
    """The questionnaire; once answered, the answer given (with thanks right after answering); a closed survey says
    so. An unknown link is a 404."""
    invitation = surveys.invitation_for(token)
    survey = invitation.survey
    context = {"invitation": invitation, "survey": survey, "cluster": survey.cluster,
               "organisation": invitation.organisation}
    given = surveys.response_of(invitation)
    if given is not None:
        context.update(response=given, thanks="thanks" in request.GET,
                       services=[(label, given.services.get(code)) for code, label in surveys.SERVICES.items()])
        return _private(render(request, "monitoring/surveys/answered.html", context))
    if not surveys.accepts_answers(survey):
        return _private(render(request, "monitoring/surveys/closed.html", context))
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.answer(token, form.answer_data())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(request.path + "?thanks=1")
    context["form"] = form
    return _private(render(request, "monitoring/surveys/answer.html", context))
