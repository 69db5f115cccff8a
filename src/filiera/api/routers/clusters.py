"""Clusters: their public information, as on the public cluster pages."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import paginate

from filiera.api.common import Pagination
from filiera.api.schemas import ClusterOut, ErrorOut
from filiera.core.models import Cluster, ExcellenceLabel
from filiera.directory.models import Membership

router = Router(tags=["clusters"])


def _clusters():
    active = Q(memberships__status=Membership.Status.ACTIVE)
    return (
        Cluster.objects.annotate(active_member_count=Count("memberships", filter=active))
        .prefetch_related("value_chains", "networks", Prefetch("labels", queryset=ExcellenceLabel.objects.all()))
        .order_by("name", "pk")
    )


@router.get("", response=list[ClusterOut], summary="List clusters")
@paginate(Pagination)
def list_clusters(request, country: str = ""):
    clusters = _clusters()
    if country:
        clusters = clusters.filter(country=country.upper()[:2])
    return clusters


@router.get("/{slug}", response={200: ClusterOut, 404: ErrorOut}, summary="A cluster")
def get_cluster(request, slug: str):
    return get_object_or_404(_clusters(), slug=slug)
