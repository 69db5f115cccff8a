from django.conf import settings

from filiera.core.access import Role, viewer_for
from filiera.core.models import Cluster


def navigation(request):
    """What the base layout needs: the user's back-office clusters and the organisations they represent."""
    user = getattr(request, "user", None)
    viewer = viewer_for(user)
    back_office = []
    if viewer.is_authenticated:
        ids = viewer.staff_cluster_ids | viewer.observed_cluster_ids
        clusters = Cluster.objects.all() if viewer.is_admin else Cluster.objects.filter(pk__in=ids)
        back_office = [(c, viewer.role_in(c)) for c in clusters.only("slug", "name", "short_name")]
    return {
        "viewer": viewer,
        "back_office_clusters": back_office,
        "Role": Role,
        "UI_LANGUAGES": settings.LANGUAGES,
    }
