import pytest

from filiera.core.access import Role, viewer_for
from filiera.directory.models import Opportunity, Organisation, Visibility
from tests.conftest import make_member


@pytest.mark.django_db
def test_roles_in_a_cluster(cluster_a, cluster_b, admin, manager, staff, observer, member, outsider):
    assert viewer_for(admin).role_in(cluster_a) == Role.ADMIN
    assert viewer_for(manager).role_in(cluster_a) == Role.MANAGER
    assert viewer_for(staff).role_in(cluster_a) == Role.STAFF
    assert viewer_for(observer).role_in(cluster_a) == Role.OBSERVER
    assert viewer_for(member).role_in(cluster_a) == Role.MEMBER
    assert viewer_for(outsider).role_in(cluster_a) == Role.VISITOR
    assert viewer_for(outsider).role_in(cluster_b) == Role.STAFF
    assert viewer_for(None).role_in(cluster_a) == Role.VISITOR


@pytest.mark.django_db
def test_organisation_visibility_levels(org_a, org_b, member, outsider, outsider_member, staff):
    for visibility, seen_by_visitor, seen_by_outsider in [
        (Visibility.PUBLIC, True, True),
        (Visibility.NETWORK, False, False),
        (Visibility.MEMBERS, False, False),
        (Visibility.PRIVATE, False, False),
    ]:
        Organisation.objects.filter(pk=org_a.pk).update(visibility=visibility)
        assert viewer_for(None).visible_organisations().filter(pk=org_a.pk).exists() is seen_by_visitor
        assert viewer_for(outsider).visible_organisations().filter(pk=org_a.pk).exists() is seen_by_outsider
        assert viewer_for(outsider_member).visible_organisations().filter(pk=org_a.pk).exists() is seen_by_outsider
        # its own representative and its cluster's staff always see it
        assert viewer_for(member).visible_organisations().filter(pk=org_a.pk).exists()
        assert viewer_for(staff).visible_organisations().filter(pk=org_a.pk).exists()


@pytest.mark.django_db
def test_members_visibility_reaches_fellow_members_only(org_a, cluster_a, cluster_b):
    from filiera.directory.models import Membership

    fellow_org = Organisation.objects.create(slug="fellow", name="Fellow", country="IT")
    Membership.objects.create(organisation=fellow_org, cluster=cluster_a, status=Membership.Status.ACTIVE)
    fellow = make_member("fellow", fellow_org)
    Organisation.objects.filter(pk=org_a.pk).update(visibility=Visibility.MEMBERS)
    assert viewer_for(fellow).visible_organisations().filter(pk=org_a.pk).exists()
    # a lapsed member no longer sees members-only profiles
    Membership.objects.filter(organisation=fellow_org).update(status=Membership.Status.LAPSED)
    assert not viewer_for(make_member("fellow2", fellow_org)).visible_organisations().filter(pk=org_a.pk).exists()


@pytest.mark.django_db
def test_network_visibility_spans_the_network(org_a, cluster_a, cluster_b, org_b, outsider_member):
    Organisation.objects.filter(pk=org_a.pk).update(visibility=Visibility.NETWORK)
    assert not viewer_for(outsider_member).visible_organisations().filter(pk=org_a.pk).exists()
    cluster_a.networks.first().clusters.add(cluster_b)
    assert viewer_for(make_member("again", org_b)).visible_organisations().filter(pk=org_a.pk).exists()


@pytest.mark.django_db
def test_opportunity_drafts_seen_only_by_owner_and_staff(opportunity_a, member, staff, outsider, admin):
    Opportunity.objects.filter(pk=opportunity_a.pk).update(status=Opportunity.Status.DRAFT)
    assert not viewer_for(None).visible_opportunities().exists()
    assert not viewer_for(outsider).visible_opportunities().exists()
    assert viewer_for(member).visible_opportunities().filter(pk=opportunity_a.pk).exists()
    assert viewer_for(staff).visible_opportunities().filter(pk=opportunity_a.pk).exists()
    assert viewer_for(admin).visible_opportunities().filter(pk=opportunity_a.pk).exists()


@pytest.mark.django_db
def test_opportunity_of_a_private_profile_is_not_public(opportunity_a, org_a):
    assert viewer_for(None).visible_opportunities().filter(pk=opportunity_a.pk).exists()
    Organisation.objects.filter(pk=org_a.pk).update(visibility=Visibility.PRIVATE)
    assert not viewer_for(None).visible_opportunities().filter(pk=opportunity_a.pk).exists()


@pytest.mark.django_db
def test_unverified_applicant_is_hidden_until_approved(org_applicant, applicant_user, staff, outsider):
    from filiera.core.access import viewer_for as fresh_viewer
    from filiera.directory import services
    from filiera.directory.models import Membership

    Organisation.objects.filter(pk=org_applicant.pk).update(verified=False)
    assert not viewer_for(None).visible_organisations().filter(pk=org_applicant.pk).exists()
    assert not viewer_for(outsider).visible_organisations().filter(pk=org_applicant.pk).exists()
    assert viewer_for(applicant_user).visible_organisations().filter(pk=org_applicant.pk).exists()
    assert viewer_for(staff).visible_organisations().filter(pk=org_applicant.pk).exists()
    services.change_membership_status(fresh_viewer(staff), Membership.objects.get(organisation=org_applicant),
                                      Membership.Status.ACTIVE)
    assert viewer_for(None).visible_organisations().filter(pk=org_applicant.pk).exists()


@pytest.mark.django_db
def test_drafts_moderated_by_another_cluster_stay_hidden_from_this_clusters_staff(org_b, cluster_a, cluster_b, staff):
    from filiera.directory.models import Membership

    Membership.objects.create(organisation=org_b, cluster=cluster_a, status=Membership.Status.ACTIVE)
    draft = Opportunity.objects.create(organisation=org_b, cluster=cluster_b, type=Opportunity.Type.BUSINESS_OFFER,
                                       title="Draft for Beta", summary="s", status=Opportunity.Status.DRAFT)
    published = Opportunity.objects.create(organisation=org_b, cluster=cluster_b, title="Members only", summary="s",
                                           type=Opportunity.Type.BUSINESS_OFFER, visibility=Visibility.PRIVATE)
    visible = viewer_for(staff).visible_opportunities()
    assert not visible.filter(pk=draft.pk).exists()
    assert visible.filter(pk=published.pk).exists()


@pytest.mark.django_db
def test_visibility_among_known_ids_follows_the_same_rule(org_a, org_b, cluster_a, cluster_b, member, staff,
                                                               outsider, outsider_member, admin):
    """The narrowed form the search results and detail pages use must see exactly what the general rule sees."""
    from filiera.directory.models import Membership

    Membership.objects.get_or_create(organisation=org_b, cluster=cluster_a, defaults={"status": "active"})
    ids = []
    for organisation, cluster in ((org_a, cluster_a), (org_b, cluster_b), (org_b, None)):
        for visibility in Visibility.values:
            for status in (Opportunity.Status.PUBLISHED, Opportunity.Status.DRAFT, Opportunity.Status.HIDDEN):
                ids.append(Opportunity.objects.create(
                    organisation=organisation, cluster=cluster, type=Opportunity.Type.BUSINESS_OFFER,
                    title=f"{visibility} {status}", summary="s", visibility=visibility, status=status).pk)
    Organisation.objects.filter(pk=org_b.pk).update(visibility=Visibility.MEMBERS)
    for user in (None, member, staff, outsider, outsider_member, admin):
        viewer = viewer_for(user)
        expected = set(viewer.visible_opportunities().filter(pk__in=ids).values_list("pk", flat=True))
        assert set(viewer.visible_opportunities_among(ids).values_list("pk", flat=True)) == expected
        organisations = [org_a.pk, org_b.pk]
        assert set(viewer.visible_organisations_among(organisations)) == set(
            viewer.visible_organisations().filter(pk__in=organisations))
        for pk in ids[:9]:
            assert viewer.visible_opportunities_among([pk]).exists() == (pk in expected)
    # The rule does hide something from someone, so the comparison above is not between two empty sets.
    assert 0 < len(viewer_for(None).visible_opportunities_among(ids)) < len(ids)
