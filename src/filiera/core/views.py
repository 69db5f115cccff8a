"""Public pages of clusters and networks, the home page, and the user's account (language, weekly digest, API
tokens)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiera.core import oidc, services, two_factor
from filiera.core.access import viewer_for
from filiera.core.models import Cluster, ExcellenceLabel, Network
from filiera.directory.models import Membership, Organisation, OrganisationKind
from filiera.directory.queries import OpportunityFilters, search_opportunities
from filiera.matching import digest

MEMBERS_SHOWN = 60  # the cluster page lists this many members; the directory, filtered by cluster, lists them all


def _clusters_with_counts():
    active = Q(memberships__status=Membership.Status.ACTIVE)
    return (
        Cluster.objects.annotate(member_count=Count("memberships", filter=active))
        .prefetch_related("value_chains", "networks", Prefetch("labels", queryset=ExcellenceLabel.objects.all()))
        .order_by("name")
    )


def home(request):
    viewer = viewer_for(request.user)
    recent = search_opportunities(viewer, OpportunityFilters()).prefetch_related("concepts")[:6]
    return render(request, "core/home.html", {"clusters": _clusters_with_counts(), "recent_opportunities": recent})


def cluster_list(request):
    """Clusters grouped by network; a cluster in several networks appears in each, one in none under "Other"."""
    clusters = {cluster.pk: cluster for cluster in _clusters_with_counts()}
    links = Network.clusters.through.objects.values_list("network_id", "cluster_id")
    in_network: dict[int, list[Cluster]] = {}
    for network_id, cluster_id in links:
        in_network.setdefault(network_id, []).append(clusters[cluster_id])
    groups = [
        (network, sorted(in_network[network.pk], key=lambda c: c.name))
        for network in Network.objects.all()
        if network.pk in in_network
    ]
    grouped = {cluster_id for _network, cluster_id in links}
    others = [cluster for pk, cluster in clusters.items() if pk not in grouped]
    return render(request, "core/cluster_list.html", {"groups": groups, "other_clusters": others})


def cluster_detail(request, slug):
    cluster = get_object_or_404(_clusters_with_counts(), slug=slug)
    viewer = viewer_for(request.user)
    members = (
        viewer.visible_organisations()
        .filter(memberships__cluster=cluster, memberships__status=Membership.Status.ACTIVE)
        .order_by("name")
    )
    kinds = dict(OrganisationKind.choices)
    kind_counts = [
        (kinds.get(row["kind"], row["kind"]), row["n"])
        for row in members.values("kind").annotate(n=Count("pk")).order_by("-n", "kind")
    ]
    # Organisations the viewer represents that could apply to join (those already in or applying are listed apart).
    represented = Organisation.objects.filter(pk__in=viewer.organisation_ids).order_by("name")
    live = {Membership.Status.ACTIVE, Membership.Status.APPLICANT}
    status_here = dict(
        Membership.objects.filter(cluster=cluster, organisation_id__in=viewer.organisation_ids)
        .values_list("organisation_id", "status")
    )
    can_apply = [org for org in represented if status_here.get(org.pk) not in live]
    applying = [org for org in represented if status_here.get(org.pk) == Membership.Status.APPLICANT]
    return render(
        request,
        "core/cluster_detail.html",
        {
            "cluster": cluster,
            "members": members[:MEMBERS_SHOWN],
            "visible_member_count": sum(n for _label, n in kind_counts),
            "kind_counts": kind_counts,
            "can_open_back_office": viewer.can_read_dashboard(cluster),
            "excellence_labels": sorted(cluster.labels.all(), key=lambda label: label.awarded_on, reverse=True),
            "current_label": cluster.current_label(),
            "can_apply": can_apply,
            "applying": applying,
        },
    )


def network_detail(request, slug):
    network = get_object_or_404(Network, slug=slug)
    clusters = _clusters_with_counts().filter(networks=network)
    return render(request, "core/network_detail.html", {
        "network": network, "clusters": clusters,
        "can_compare": request.user.is_authenticated and viewer_for(request.user).can_compare(network)})


@login_required
def account(request):
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "language":
            language = request.POST.get("language", "")
            if language in dict(settings.LANGUAGES):
                services.set_user_language(request.user, language)
                translation.activate(language)
                response = redirect("account")
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
                messages.success(request, _("Language saved."))
                return response
            messages.error(request, _("Unknown language."))
        elif action == "digest":
            # Only a member representative has a profile to match opportunities against.
            if not viewer_for(request.user).organisation_ids:
                messages.error(request, _("The weekly digest is for the representatives of a member organisation."))
            elif request.POST.get("digest") == "on":
                digest.subscribe(request.user)
                messages.success(request, _("The weekly digest is on."))
            else:
                digest.unsubscribe(request.user)
                messages.success(request, _("The weekly digest is off."))
            return redirect("account")
        elif action == "create_token":
            name = request.POST.get("name", "").strip()
            if not name:
                messages.error(request, _("Give the token a name, so you know later where it is used."))
            else:
                _token, raw = services.create_api_token(request.user, name)
                # Shown once, on the page the redirect leads to; a reload does not create another token.
                request.session["new_api_token"] = raw
                return redirect("account")
    new_token = request.session.pop("new_api_token", None)
    return render(request, "core/account.html", {
        "tokens": request.user.api_tokens.all(), "new_token": new_token,
        "can_subscribe_digest": bool(viewer_for(request.user).organisation_ids),
        "digest_subscribed": digest.is_subscribed(request.user),
    })


@login_required
@require_POST
def revoke_token(request, token_id):
    if services.revoke_api_token(request.user, token_id):
        messages.success(request, _("Token revoked."))
    return redirect("account")


class SignInView(auth_views.LoginView):
    """Sign in, then speak the user's language (the language cookie is what LocaleMiddleware reads)."""

    def get_context_data(self, **kwargs):
        # The "Sign in with …" button when single sign-on is configured (core/oidc.py).
        return super().get_context_data(**kwargs, sso_provider=settings.OIDC_PROVIDER_NAME if oidc.enabled() else "")

    def form_valid(self, form):
        self.request.session.pop(two_factor.SSO_VERIFIED_SESSION_KEY, None)  # a password sign-in is not the SSO one
        response = super().form_valid(form)
        language = getattr(form.get_user(), "language", "")
        if language in dict(settings.LANGUAGES):
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response

    def get_success_url(self):
        # After the password, the second factor when this user has or needs one (core/two_factor.py).
        url = super().get_success_url()
        if two_factor.must_verify(self.request):
            return f"{reverse('two_factor_verify')}?{urlencode({'next': url})}"
        return url


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password (signed in); back to the account page with a confirmation."""

    template_name = "core/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)
