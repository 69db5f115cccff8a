"""The directory's facet counts are cached per audience and filters, and count again as soon as the directory
changes: an organisation saved, added or deleted, a membership changed, competences or value chains set."""

from __future__ import annotations

import pytest

from filiera.core.access import viewer_for
from filiera.directory.models import Membership, Organisation, Visibility
from filiera.directory.queries import DirectoryFilters, matching_count, organisation_facets


def counts(viewer, **filters) -> dict[str, dict[str, int]]:
    facets = organisation_facets(viewer, DirectoryFilters(**filters))
    return {name: {f.value: f.count for f in values} for name, values in facets.items()}


@pytest.fixture
def visitor(db):
    return viewer_for(None)


def test_the_same_counts_are_read_from_the_cache(visitor, org_a, django_assert_max_num_queries):
    first = counts(visitor)
    with django_assert_max_num_queries(2):  # the stamp's two latest changes, nothing counted
        assert counts(visitor) == first


def test_a_saved_organisation_counts_again(visitor, org_a, cluster_a):
    org_a.visibility = Visibility.PUBLIC
    org_a.save()
    before = counts(visitor)
    org_a.country = "DK"
    org_a.save()
    after = counts(visitor)
    assert after["country"].get("DK") == before["country"].get("DK", 0) + 1


def test_a_new_or_deleted_organisation_counts_again(visitor, org_a, cluster_a):
    before = matching_count(organisation_facets(visitor, DirectoryFilters()), DirectoryFilters())
    extra = Organisation.objects.create(name="Nuova Srl", country="IT", kind="sme", visibility=Visibility.PUBLIC)
    Membership.objects.create(organisation=extra, cluster=cluster_a, status=Membership.Status.ACTIVE)
    assert matching_count(organisation_facets(visitor, DirectoryFilters()), DirectoryFilters()) == before + 1
    extra.delete()
    assert matching_count(organisation_facets(visitor, DirectoryFilters()), DirectoryFilters()) == before


def test_a_deleted_membership_counts_again(visitor, org_a, cluster_a):
    """A deletion leaves no newer change behind: the generation moves instead (a cluster's deletion cascades)."""
    extra = Organisation.objects.create(name="Nuova Srl", country="IT", kind="sme", visibility=Visibility.PUBLIC)
    Membership.objects.create(organisation=extra, cluster=cluster_a, status=Membership.Status.ACTIVE)
    Membership.objects.get(organisation=org_a, cluster=cluster_a).save()  # the latest change is not the deleted one
    before = counts(visitor)["cluster"][cluster_a.slug]
    Membership.objects.filter(organisation=extra).delete()
    assert counts(visitor)["cluster"].get(cluster_a.slug, 0) == before - 1


def test_competences_set_without_a_save_count_again(visitor, org_a, concept):
    org_a.visibility = Visibility.PUBLIC
    org_a.save()
    org_a.concepts.clear()
    assert concept.slug not in counts(visitor)["concept"]
    org_a.concepts.add(concept)
    assert counts(visitor)["concept"][concept.slug] == 1


def test_audiences_do_not_share_counts(visitor, org_a, staff, cluster_a):
    org_a.visibility = Visibility.PRIVATE
    org_a.save()
    staff_counts = counts(viewer_for(staff))
    assert sum(staff_counts["kind"].values()) == 1  # the cluster's staff see their private member
    assert sum(counts(visitor)["kind"].values()) == 0  # a visitor does not, cached counts or not
    assert counts(viewer_for(staff)) == staff_counts
