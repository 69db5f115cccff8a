"""What every router shares: the caller's Viewer, pagination, and turning slugs and ids from a request into records.

Access decisions stay in filiera.core.access; these helpers only ask it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError
from ninja.pagination import PageNumberPagination

from filiera.core.access import Viewer, viewer_for
from filiera.core.models import Cluster, Concept, ValueChain
from filiera.directory.models import Organisation

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Far past any list's end, and an offset every database takes (SQLite refuses one beyond 64 bits: a 500).
MAX_PAGE = 1_000_000


class Pagination(PageNumberPagination):
    """`page` (from 1, at most a million) and `page_size` (at most 100); answers `{"items": [...], "count": total}`."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)

    def __init__(self, **kwargs):
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


def viewer(request) -> Viewer:
    """The Viewer of the authenticated caller (a visitor when the call came without credentials)."""
    return viewer_for(getattr(request, "auth", None))


def signed_in_viewer(request) -> Viewer:
    """The caller's Viewer; 401 for a visitor (the API's counterpart of the web pages' login redirect)."""
    current = viewer(request)
    if not current.is_authenticated:
        raise AuthenticationError()
    return current


def observed_cluster(current: Viewer, slug: str) -> Cluster:
    """The cluster if the caller reads its back office (its staff, its observers, platform admins); 404 otherwise, so
    that another cluster's private data is not even said to exist. Whether the caller may also change something is
    the services' to say (403)."""
    cluster = Cluster.objects.filter(slug=slug).first()
    if cluster is None or not current.can_read_dashboard(cluster):
        raise Http404
    return cluster


def visible_organisation(current: Viewer, organisation_id: int) -> Organisation:
    """The organisation if the caller may see it; 404 otherwise (whether it exists is nobody else's business)."""
    organisation = current.visible_organisations().filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404
    return organisation


def _by_slug(model, slugs: list[str], field: str, message: str) -> list:
    wanted = list(dict.fromkeys(slugs))
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=wanted)}
    missing = [slug for slug in wanted if slug not in found]
    if missing:
        raise ValidationError({field: [message % {"slugs": ", ".join(missing)}]})
    return [found[slug] for slug in wanted]


def value_chains_by_slug(slugs: list[str] | None) -> list[ValueChain] | None:
    if slugs is None:
        return None
    return _by_slug(ValueChain, slugs, "value_chains", _("Unknown value chain: %(slugs)s"))


def concepts_by_slug(slugs: list[str] | None) -> list[Concept] | None:
    if slugs is None:
        return None
    return _by_slug(Concept, slugs, "concepts", _("Unknown concept: %(slugs)s"))


def cluster_by_slug(slug: str | None) -> Cluster | None:
    if not slug:
        return None
    cluster = Cluster.objects.filter(slug=slug).first()
    if cluster is None:
        raise ValidationError({"cluster": [_("Unknown cluster: %(slug)s") % {"slug": slug}]})
    return cluster
