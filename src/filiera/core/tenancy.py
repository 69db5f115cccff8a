"""Resolve the request's cluster and the user's role in it once; anything outside it is a 404.

Back-office URLs are `/c/<cluster_slug>/…`. A view decorated with `cluster_view(min_role)` receives
`request.cluster`, `request.role` and `request.viewer`; a user below `min_role` gets a 404, so that the
existence of another cluster's private pages is not revealed.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404

from filiera.core.access import Role, viewer_for
from filiera.core.models import Cluster


def resolve_cluster(request, cluster_slug: str, min_role: Role) -> Cluster:
    cluster = get_object_or_404(Cluster, slug=cluster_slug)
    viewer = viewer_for(request.user)
    role = viewer.role_in(cluster)
    if role < min_role or (min_role == Role.MEMBER and role == Role.OBSERVER):
        raise Http404("No such page in this cluster.")
    request.cluster = cluster
    request.role = role
    request.viewer = viewer
    return cluster


def cluster_view(min_role: Role = Role.STAFF):
    """Decorator for views under /c/<cluster_slug>/. Anonymous users are sent to sign in first."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, cluster_slug: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            resolve_cluster(request, cluster_slug, min_role)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
