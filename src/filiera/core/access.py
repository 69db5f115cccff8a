"""Who may see and do what: roles, tenancy and visibility, in one place.

A `Viewer` is computed once per request (or API call) from the user's cluster roles, network roles and the
organisations they represent. Views, API routes and services ask it; nothing else decides access.

Rules
- Platform admins (superusers) see and do everything.
- Cluster manager and staff run their cluster's back office; the manager also manages staff roles.
- Observers (a funder, or a network coordinator for every cluster of its network) read dashboards and reports.
- Member representatives edit their own organisation, its people and opportunities; their organisation's
  active memberships make them members of those clusters.
- Visibility of organisations and opportunities: public (anyone), network (members and staff of any cluster in a
  network with one of the organisation's clusters), members (members and staff of one of the organisation's
  clusters), private (the organisation itself and the staff of its clusters).
- Unverified organisations (self-registered applicants) are seen only by their representatives and the staff of
  their clusters until the staff approve a membership.
- A cluster's staff act on an organisation while its membership is live (active, applicant, lapsed); after a
  rejection or a departure they keep its records in their back office but no longer edit it.
- Cluster-private data outside the request's cluster is a 404, never a 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from django.db.models import Q, QuerySet

from filiera.core.models import Cluster, ClusterRole, Network, NetworkRole


class Role(IntEnum):
    """A user's standing in one cluster, ordered so that a higher role includes the lower ones' reading rights
    for back-office pages. MEMBER and OBSERVER are not comparable in what they do; see the helpers below."""

    VISITOR = 0
    MEMBER = 1
    OBSERVER = 2
    STAFF = 3
    MANAGER = 4
    ADMIN = 5


# Templates compare `request.role >= Role.STAFF`; without this Django would call the enum class.
Role.do_not_call_in_templates = True


@dataclass
class Viewer:
    user_id: int | None = None
    is_admin: bool = False
    staff_roles: dict[int, Role] = field(default_factory=dict)  # cluster id -> STAFF / MANAGER
    observed_cluster_ids: set[int] = field(default_factory=set)
    organisation_ids: set[int] = field(default_factory=set)  # organisations the user represents
    member_cluster_ids: set[int] = field(default_factory=set)  # clusters where one of them is an active member
    network_cluster_ids: set[int] = field(default_factory=set)  # clusters sharing a network with the above

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def staff_cluster_ids(self) -> set[int]:
        return set(self.staff_roles)

    def role_in(self, cluster: Cluster) -> Role:
        if self.is_admin:
            return Role.ADMIN
        if cluster.pk in self.staff_roles:
            return self.staff_roles[cluster.pk]
        if cluster.pk in self.observed_cluster_ids:
            return Role.OBSERVER
        if cluster.pk in self.member_cluster_ids:
            return Role.MEMBER
        return Role.VISITOR

    def is_staff_of(self, cluster: Cluster) -> bool:
        return self.role_in(cluster) >= Role.STAFF

    def can_read_dashboard(self, cluster: Cluster) -> bool:
        return self.role_in(cluster) >= Role.OBSERVER

    def can_compare(self, network: Network) -> bool:
        """A network's clusters side by side, its KPIs and its collaboration network: its coordinator (an observer
        of all its clusters) and platform admins."""
        cluster_ids = set(network.clusters.values_list("pk", flat=True))
        return self.is_admin or (bool(cluster_ids) and cluster_ids <= self.observed_cluster_ids)

    def represents(self, organisation_id: int) -> bool:
        return organisation_id in self.organisation_ids

    # --- organisations -------------------------------------------------------------------------------------
    def can_edit_organisation(self, organisation) -> bool:
        if self.is_admin or self.represents(organisation.pk):
            return True
        return bool(self.staff_cluster_ids & organisation_cluster_ids(organisation))

    def editable_organisation_ids(self, organisation_ids) -> set[int]:
        """Of these organisations, those the viewer may edit (can_edit_organisation for many at once)."""
        ids = set(organisation_ids)
        if self.is_admin:
            return ids
        from filiera.directory.models import Membership

        staff_of = Membership.objects.filter(
            organisation_id__in=ids, cluster_id__in=self.staff_cluster_ids, status__in=live_statuses()
        ).values_list("organisation_id", flat=True)
        return (ids & self.organisation_ids) | set(staff_of)

    def organisation_filter(self, among=None) -> Q:
        """A Q over Organisation for the profiles this viewer may see. `among`: organisation ids the caller
        already restricts to, which narrows the membership subqueries (same result, far less work when a page
        checks a few organisations of a large cluster)."""
        if self.is_admin:
            return Q()
        from filiera.directory.models import Membership, Visibility

        # Unverified profiles (self-registered applicants, import placeholders) are seen only by their own
        # representatives and their clusters' staff until a membership is approved.
        q = Q(visibility=Visibility.PUBLIC, verified=True)
        if not self.is_authenticated:
            return q
        live = live_statuses()
        # The staff of a cluster see all its members' profiles whatever their visibility, so the network and
        # members branches only need the clusters the staff branch does not cover (fewer subqueries to run).
        staff = self.staff_cluster_ids
        network_only = (self.network_cluster_ids | self.member_cluster_ids) - staff
        members_only = self.member_cluster_ids - staff
        if network_only:
            in_network = _members(among, cluster_id__in=network_only, status=Membership.Status.ACTIVE)
            q |= Q(visibility=Visibility.NETWORK, verified=True, pk__in=in_network)
        if members_only:
            in_my_clusters = _members(among, cluster_id__in=members_only, status=Membership.Status.ACTIVE)
            q |= Q(visibility=Visibility.MEMBERS, verified=True, pk__in=in_my_clusters)
        if staff:
            q |= Q(pk__in=_members(among, cluster_id__in=staff, status__in=live))
        if self.organisation_ids:
            q |= Q(pk__in=self.organisation_ids)
        return q

    def visible_organisations(self, queryset: QuerySet | None = None) -> QuerySet:
        from filiera.directory.models import Organisation

        queryset = Organisation.objects.all() if queryset is None else queryset
        return queryset.filter(self.organisation_filter())

    def can_see_organisation(self, organisation) -> bool:
        return self.visible_organisations().filter(pk=organisation.pk).exists()

    # --- opportunities -------------------------------------------------------------------------------------
    def opportunity_filter(self, among=None) -> Q:
        """A Q over Opportunity: published ones follow their own visibility *and* their organisation's profile
        being visible; drafts, hidden and archived ones are seen by their organisation and the moderating staff.
        `among`: ids of the organisations the caller already restricts to (see organisation_filter)."""
        if self.is_admin:
            return Q()
        from filiera.directory.models import Membership, Opportunity, Visibility

        published = Q(status=Opportunity.Status.PUBLISHED)
        q = published & Q(visibility=Visibility.PUBLIC)
        if self.is_authenticated:
            member_or_staff = self.member_cluster_ids | self.staff_cluster_ids
            if self.network_cluster_ids | member_or_staff:
                in_network = _members(among, cluster_id__in=self.network_cluster_ids | member_or_staff,
                                      status=Membership.Status.ACTIVE)
                q |= published & Q(visibility=Visibility.NETWORK, organisation_id__in=in_network)
            if member_or_staff:
                in_my_clusters = _members(among, cluster_id__in=member_or_staff, status=Membership.Status.ACTIVE)
                q |= published & Q(visibility=Visibility.MEMBERS, organisation_id__in=in_my_clusters)
            if self.staff_cluster_ids:
                staff_of = _members(among, cluster_id__in=self.staff_cluster_ids, status__in=live_statuses())
                # The moderating staff see every status; the staff of the organisation's other clusters see its
                # published posts whatever their visibility, but not the drafts another cluster moderates.
                q |= Q(cluster_id__in=self.staff_cluster_ids)
                q |= Q(cluster__isnull=True, organisation_id__in=staff_of)
                q |= published & Q(organisation_id__in=staff_of)
            if self.organisation_ids:
                q |= Q(organisation_id__in=self.organisation_ids)
        return q

    def visible_opportunities(self, queryset: QuerySet | None = None) -> QuerySet:
        from filiera.directory.models import Opportunity

        queryset = Opportunity.objects.all() if queryset is None else queryset
        if self.is_admin:
            return queryset
        return queryset.filter(self.opportunity_filter(), organisation__in=self.visible_organisations().values("pk"))

    def visible_opportunities_among(self, ids) -> QuerySet:
        """visible_opportunities() narrowed to these ids (a page of search results). The rule is the same; the
        organisations' visibility is checked on just the candidates' organisations, so that the database does not
        evaluate the visible-organisations subquery over the whole table (on SQLite it did, for every search)."""
        from filiera.directory.models import Opportunity

        candidates = Opportunity.objects.filter(pk__in=list(ids))
        if self.is_admin:
            return candidates
        organisation_ids = set(candidates.values_list("organisation_id", flat=True))
        visible = list(self.visible_organisations_among(organisation_ids).values_list("pk", flat=True))
        return candidates.filter(self.opportunity_filter(among=visible), organisation_id__in=visible)

    def visible_organisations_among(self, ids) -> QuerySet:
        """visible_organisations() narrowed to these ids, with the membership subqueries narrowed too."""
        from filiera.directory.models import Organisation

        ids = list(ids)
        return Organisation.objects.filter(self.organisation_filter(among=ids), pk__in=ids)

    def can_edit_opportunity(self, opportunity) -> bool:
        if self.is_admin or self.represents(opportunity.organisation_id):
            return True
        return opportunity.cluster_id is not None and opportunity.cluster_id in self.staff_cluster_ids

    def can_moderate_opportunity(self, opportunity) -> bool:
        if self.is_admin:
            return True
        if opportunity.cluster_id is not None:
            return opportunity.cluster_id in self.staff_cluster_ids
        return bool(self.staff_cluster_ids & organisation_cluster_ids(opportunity.organisation))

    # --- people --------------------------------------------------------------------------------------------
    def people_filter(self) -> Q:
        """People are seen by their organisation's representatives and by the staff of its clusters."""
        if self.is_admin:
            return Q()
        if not self.is_authenticated:
            return Q(pk__in=[])
        from filiera.directory.models import Membership

        q = Q(organisation_id__in=self.organisation_ids)
        if self.staff_cluster_ids:
            q |= Q(
                organisation_id__in=Membership.objects.filter(
                    cluster_id__in=self.staff_cluster_ids, status__in=live_statuses()
                ).values("organisation_id")
            )
        return q

    def can_manage_people_of(self, organisation) -> bool:
        return self.can_edit_organisation(organisation)

    def can_see_contact_emails(self, organisation) -> bool:
        """Contact emails on a profile: for the organisation itself, the staff of its clusters and fellow members
        of a cluster where it is an active member. Visitors and everyone else see names and job titles only."""
        if self.is_admin or self.represents(organisation.pk):
            return True
        if self.staff_cluster_ids & organisation_cluster_ids(organisation):
            return True
        from filiera.directory.models import Membership

        return organisation.memberships.filter(
            cluster_id__in=self.member_cluster_ids, status=Membership.Status.ACTIVE
        ).exists() if self.member_cluster_ids else False

    def can_appoint_representatives(self, organisation) -> bool:
        """Who may make a contact a representative (who then edits the organisation): platform admins and the
        staff of the organisation's clusters, not the representatives themselves."""
        return self.is_admin or bool(self.staff_cluster_ids & organisation_cluster_ids(organisation))


def live_statuses() -> list[str]:
    """Membership statuses that give a cluster's staff a say over the organisation. Once an application is rejected
    or the organisation has left, the cluster keeps its records but no longer edits it."""
    from filiera.directory.models import Membership

    return [Membership.Status.ACTIVE, Membership.Status.APPLICANT, Membership.Status.LAPSED]


def organisation_cluster_ids(organisation) -> set[int]:
    """Clusters the organisation is a member of, applies to, or has lapsed in."""
    return set(organisation.memberships.filter(status__in=live_statuses()).values_list("cluster_id", flat=True))


def _members(among, **conditions) -> QuerySet:
    """The organisation ids of the memberships that meet `conditions`, among these organisations if given."""
    from filiera.directory.models import Membership

    memberships = Membership.objects.filter(**conditions)
    if among is not None:
        memberships = memberships.filter(organisation_id__in=list(among))
    return memberships.values("organisation_id")


ANONYMOUS = Viewer()


def viewer_for(user) -> Viewer:
    """Build the Viewer of a user (cached on the user object for the request)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_filiera_viewer", None)
    if cached is not None:
        return cached
    from filiera.directory.models import Membership, Person

    viewer = Viewer(user_id=user.pk, is_admin=user.is_superuser)
    for cluster_id, role in ClusterRole.objects.filter(user=user).values_list("cluster_id", "role"):
        if role == ClusterRole.Role.MANAGER:
            viewer.staff_roles[cluster_id] = Role.MANAGER
        elif role == ClusterRole.Role.STAFF:
            viewer.staff_roles[cluster_id] = Role.STAFF
        else:
            viewer.observed_cluster_ids.add(cluster_id)
    coordinated = NetworkRole.objects.filter(user=user).values("network_id")
    viewer.observed_cluster_ids |= set(
        Network.clusters.through.objects.filter(network_id__in=coordinated).values_list("cluster_id", flat=True)
    )
    viewer.organisation_ids = set(
        Person.objects.filter(user=user, is_representative=True).values_list("organisation_id", flat=True)
    )
    if viewer.organisation_ids:
        viewer.member_cluster_ids = set(
            Membership.objects.filter(
                organisation_id__in=viewer.organisation_ids, status=Membership.Status.ACTIVE
            ).values_list("cluster_id", flat=True)
        )
    home = viewer.member_cluster_ids | viewer.staff_cluster_ids
    if home:
        networks = Network.clusters.through.objects.filter(cluster_id__in=home).values("network_id")
        viewer.network_cluster_ids = set(
            Network.clusters.through.objects.filter(network_id__in=networks).values_list("cluster_id", flat=True)
        )
    user._filiera_viewer = viewer
    return viewer
