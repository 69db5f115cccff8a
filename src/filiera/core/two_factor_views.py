"""Pages of two-factor authentication under /accounts/two-factor/: overview, enrol, verify at sign-in, backup codes,
disable. The rules live in core/two_factor.py; wrong codes count towards the sign-in lockout (django-axes)."""

from functools import wraps
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core import security, two_factor

NEW_BACKUP_CODES_KEY = "filiera_new_backup_codes"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _verify_url(request) -> str:
    return f"{reverse('two_factor_verify')}?{urlencode({'next': request.get_full_path()})}"


def verified_required(view):
    """Changing the second factor needs a session that passed it (when there is one to pass)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if two_factor.has_authenticator(request.user) and not two_factor.is_verified(request):
            return redirect(_verify_url(request))
        return view(request, *args, **kwargs)

    return wrapper


def _credentials(request) -> dict:
    return {"username": request.user.get_username()}


def _locked_out(request) -> bool:
    return not AxesProxyHandler.is_allowed(request, _credentials(request))


def _count_failure(request) -> None:
    # django-axes counts it like a wrong password; past the limit its middleware answers with the lockout page.
    user_login_failed.send(sender=__name__, credentials=_credentials(request), request=request)


@verified_required
def overview(request):
    user = request.user
    return render(request, "core/two_factor/overview.html", {
        "enabled": two_factor.has_authenticator(user),
        "required": two_factor.policy_requires(user),
        "backup_codes_left": two_factor.remaining_backup_codes(user),
    })


@verified_required
def enrol(request):
    device = two_factor.pending_authenticator(request.user)
    error = ""
    if request.method == "POST":
        if _locked_out(request):
            return security.lockout_response(request)
        codes = two_factor.confirm_authenticator(request, device, request.POST.get("code", ""))
        if codes is not None:
            request.session[NEW_BACKUP_CODES_KEY] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(f"{reverse('two_factor_backup_codes')}?{urlencode({'next': _next_url(request)})}")
        _count_failure(request)
        device.refresh_from_db()
        wait = two_factor.throttle_wait(device)
        error = (_("That code is not right. Wait %(seconds)s seconds, then enter the code the app shows now.")
                 % {"seconds": wait}) if wait else _("That code is not right. Check the time on your phone and "
                                                     "enter the code the app shows now.")
    return render(request, "core/two_factor/enrol.html", {
        "enrolment": two_factor.enrolment_for(device), "error": error, "next": _next_url(request),
        "replacing": two_factor.has_authenticator(request.user),
        "required": two_factor.policy_requires(request.user),
    }, status=400 if error else 200)


@login_required
def verify(request):
    user = request.user
    if not two_factor.must_verify(request):
        return redirect(_next_url(request))
    if not two_factor.has_authenticator(user):
        return redirect(f"{reverse('two_factor_enrol')}?{urlencode({'next': _next_url(request)})}")
    error = ""
    if request.method == "POST":
        if _locked_out(request):
            return security.lockout_response(request)
        attempt = two_factor.verify(request, request.POST.get("code", ""))
        if attempt.device is not None:
            return redirect(_next_url(request))
        _count_failure(request)
        if attempt.wait_seconds:
            error = _("Too many wrong codes in a row. Wait %(seconds)s seconds, then enter a new code.") % {
                "seconds": attempt.wait_seconds}
        else:
            error = _("That code is not right. Enter the code your authenticator app shows now, or a backup code.")
    return render(request, "core/two_factor/verify.html", {"error": error, "next": _next_url(request)},
                  status=400 if error else 200)


@verified_required
def backup_codes(request):
    if request.method == "POST":
        request.session[NEW_BACKUP_CODES_KEY] = two_factor.new_backup_codes(request.user)
        messages.success(request, _("New backup codes are ready; the old ones no longer work."))
        return redirect("two_factor_backup_codes")
    codes = request.session.pop(NEW_BACKUP_CODES_KEY, None)
    if not codes:
        return redirect("two_factor")
    return render(request, "core/two_factor/backup_codes.html", {"codes": codes, "next": _next_url(request)})


@verified_required
@require_POST
def disable(request):
    if _locked_out(request):
        return security.lockout_response(request)
    if two_factor.policy_requires(request.user):
        messages.error(request, _("Your role requires two-factor authentication, so it cannot be turned off. To "
                                  "use another phone, set up a new authenticator."))
        return redirect("two_factor")
    if two_factor.verify(request, request.POST.get("code", "")).device is None:
        _count_failure(request)
        messages.error(request, _("That code is not right; two-factor authentication is still on."))
        return redirect("two_factor")
    two_factor.disable(request.user)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("two_factor")
