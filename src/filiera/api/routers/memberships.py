"""Memberships of one cluster: cluster-private, for its staff, manager and platform admins only. Anyone else gets
a 404, as on the back-office pages (observers included: they read dashboards, not member files)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from filiera.api.common import Pagination, signed_in_viewer, viewer
from filiera.api.schemas import (
    ErrorOut,
    MembershipOut,
    MembershipPatch,
    MembershipStatus,
    MembershipStatusIn,
    ValidationErrorOut,
)
from filiera.core.access import Viewer
from filiera.core.models import Cluster
from filiera.directory import backoffice, services
from filiera.directory.models import Membership

router = Router(tags=["memberships"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class MembershipQuery(Schema):
    status: list[MembershipStatus] = Field(default_factory=list, description="Repeatable")
    q: str = Field("", description="Words in the organisation's name or short name, as on the Members page")


def _cluster_for_staff(current: Viewer, slug: str) -> Cluster:
    cluster = Cluster.objects.filter(slug=slug).first()
    if cluster is None or not current.is_staff_of(cluster):
        raise Http404
    return cluster


def _memberships(cluster: Cluster):
    return Membership.objects.filter(cluster=cluster).select_related("organisation", "cluster")


def _membership(request, slug: str, membership_id: int) -> Membership:
    cluster = _cluster_for_staff(signed_in_viewer(request), slug)
    return get_object_or_404(_memberships(cluster), pk=membership_id)


@router.get("/{slug}/memberships", response={200: list[MembershipOut], 401: ErrorOut, 404: ErrorOut},
            summary="List a cluster's memberships")
@paginate(Pagination)
def list_memberships(request, slug: str, filters: Query[MembershipQuery]):
    cluster = _cluster_for_staff(signed_in_viewer(request), slug)
    # The back office's Members page and this list are one query: same search, same order.
    memberships = backoffice.cluster_memberships(cluster, "all", filters.q).select_related("cluster")
    if filters.status:
        memberships = memberships.filter(status__in=filters.status)
    return memberships


@router.get("/{slug}/memberships/{membership_id}", response={200: MembershipOut, 401: ErrorOut, 404: ErrorOut},
            summary="A membership")
def get_membership(request, slug: str, membership_id: int):
    return _membership(request, slug, membership_id)


@router.post("/{slug}/memberships/{membership_id}/status", response={200: MembershipOut, **ERRORS},
             summary="Change a membership's status")
def change_status(request, slug: str, membership_id: int, payload: MembershipStatusIn):
    """Approve, reject, lapse, end or reactivate, following the allowed transitions (`next_statuses`)."""
    membership = _membership(request, slug, membership_id)
    membership = services.change_membership_status(
        viewer(request), membership, payload.status, on=payload.on, note=payload.note
    )
    return _memberships(membership.cluster).get(pk=membership.pk)


@router.patch("/{slug}/memberships/{membership_id}", response={200: MembershipOut, **ERRORS},
              summary="Change a membership's fee tier or notes")
def update_membership(request, slug: str, membership_id: int, payload: MembershipPatch):
    membership = _membership(request, slug, membership_id)
    data = payload.dict(exclude_unset=True)
    membership = services.update_membership(
        viewer(request),
        membership,
        fee_tier=data.get("fee_tier") if data.get("fee_tier") is not None else membership.fee_tier,
        notes=data.get("notes") if data.get("notes") is not None else membership.notes,
    )
    return _memberships(membership.cluster).get(pk=membership.pk)
