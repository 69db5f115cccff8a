import pytest

from filiera.core.audit import acting_as, history
from filiera.core.models import AuditEntry
from filiera.directory.models import Organisation, Person


@pytest.mark.django_db
def test_create_change_delete_are_logged_with_old_and_new_values(org_a, staff, concept):
    with acting_as(staff):
        org = Organisation.objects.get(pk=org_a.pk)
        org.city = "Modena"
        org.website = "https://medsense.example"
        org.save()
        org.concepts.remove(concept)
    change = history("directory.organisation", org.pk).filter(action="update").first()
    assert change is not None
    entries = list(history("directory.organisation", org.pk).filter(action="update"))
    city_change = next(e for e in entries if "city" in e.changes)
    assert city_change.changes["city"] == ["Bologna", "Modena"]
    assert city_change.changes["website"] == ["", "https://medsense.example"]
    assert city_change.actor == staff and city_change.actor_label == "staff"
    m2m = next(e for e in entries if "concepts" in e.changes)
    assert m2m.changes["concepts"] == [[concept.pk], []]


@pytest.mark.django_db
def test_saving_unchanged_record_logs_nothing(org_a):
    before = AuditEntry.objects.count()
    Organisation.objects.get(pk=org_a.pk).save()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_person_delete_logged_under_its_organisation(org_a):
    person = Person.objects.create(organisation=org_a, first_name="Giulia", last_name="Neri", email="g@example.org")
    pk = person.pk
    person.delete()
    deleted = AuditEntry.objects.get(model="directory.person", object_id=str(pk), action="delete")
    assert deleted.organisation_id == org_a.pk
    assert deleted.changes["email"] == ["g@example.org", None]


@pytest.mark.django_db
def test_deleting_a_user_records_the_unlinked_person(member, org_a):
    person = Person.objects.get(user=member)
    member.delete()
    entry = AuditEntry.objects.filter(model="directory.person", object_id=str(person.pk), action="update").first()
    assert entry is not None and entry.changes["user_id"][1] is None


@pytest.mark.django_db
def test_binary_fields_are_not_logged(cluster_a):
    """A need's embedding vector (bytes) is derived data: saving a need with one is logged without it."""
    from filiera.challenges.models import Challenge, Need

    challenge = Challenge.objects.create(cluster=cluster_a, title="Remote areas", statement="Care far away.")
    need = Need.objects.create(challenge=challenge, text="Telemonitoring at home", language="en", actor="gp",
                               vector=b"\x00\x01", vector_kind="test")
    entry = AuditEntry.objects.get(model="challenges.need", object_id=str(need.pk), action="create")
    assert "vector" not in entry.changes and entry.changes["vector_kind"] == [None, "test"]
