"""Public pages of clusters and networks, the home page, and the user's account (language, API tokens)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth import views as auth_views
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core import services
from filiera.core.access import viewer_for
from filiera.core.models import Cluster, ExcellenceLabel, Network
from filiera.directory.models import Membership, Opportunity


def _clusters_with_counts():
    active = Q(memberships__status=Membership.Status.ACTIVE)
    return (
        Cluster.objects.annotate(member_count=Count("memberships", filter=active))
        .prefetch_related("value_chains", "networks", Prefetch("labels", queryset=ExcellenceLabel.objects.all()))
        .order_by("name")
    )


def home(request):
    viewer = viewer_for(request.user)
    recent = (
        viewer.visible_opportunities(Opportunity.objects.filter(status=Opportunity.Status.PUBLISHED))
        .select_related("organisation")
        .order_by("-created_at")[:6]
    )
    return render(request, "core/home.html", {"clusters": _clusters_with_counts(), "recent_opportunities": recent})


def cluster_list(request):
    networks = Network.objects.prefetch_related("clusters")
    return render(request, "core/cluster_list.html", {"clusters": _clusters_with_counts(), "networks": networks})


def cluster_detail(request, slug):
    cluster = get_object_or_404(_clusters_with_counts(), slug=slug)
    viewer = viewer_for(request.user)
    members = (
        viewer.visible_organisations()
        .filter(memberships__cluster=cluster, memberships__status=Membership.Status.ACTIVE)
        .order_by("name")
    )
    kinds = members.values("kind").annotate(n=Count("pk")).order_by("-n")
    return render(
        request,
        "core/cluster_detail.html",
        {
            "cluster": cluster,
            "members": members[:60],
            "visible_member_count": members.count(),
            "kinds": kinds,
            "role": viewer.role_in(cluster),
        },
    )


def network_detail(request, slug):
    network = get_object_or_404(Network.objects.prefetch_related("clusters"), slug=slug)
    return render(request, "core/network_detail.html", {"network": network})


@login_required
def account(request):
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "language":
            language = request.POST.get("language", "")
            if language in dict(settings.LANGUAGES):
                services.set_user_language(request.user, language)
                translation.activate(language)
                response = redirect("account")
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language)
                messages.success(request, _("Language saved."))
                return response
            messages.error(request, _("Unknown language."))
        elif action == "create_token":
            name = request.POST.get("name", "").strip()
            if not name:
                messages.error(request, _("Give the token a name, so you know later where it is used."))
            else:
                _token, new_token = services.create_api_token(request.user, name)
    return render(request, "core/account.html", {"tokens": request.user.api_tokens.all(), "new_token": new_token})


@login_required
@require_POST
def revoke_token(request, token_id):
    if services.revoke_api_token(request.user, token_id):
        messages.success(request, _("Token revoked."))
    return redirect("account")


class SignInView(auth_views.LoginView):
    """Sign in, then speak the user's language (the language cookie is what LocaleMiddleware reads)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        language = getattr(form.get_user(), "language", "")
        if language in dict(settings.LANGUAGES):
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response
