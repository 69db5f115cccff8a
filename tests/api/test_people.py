"""People are seen and managed by their organisation's representatives and the staff of its clusters only."""

import pytest

from filiera.core.models import AuditEntry
from filiera.directory.models import Organisation, Person, Visibility
from tests.api.conftest import ids

JSON = "application/json"


@pytest.fixture
def colleague(org_a):
    """A contact of org_a without an account."""
    return Person.objects.create(organisation=org_a, first_name="Carla", last_name="Bianchi", email="carla@example.org",
                                 job_title="CTO")


@pytest.mark.django_db
def test_staff_see_the_people_of_their_clusters_organisations(as_token, staff, admin, member, colleague,
                                                             applicant_user, outsider_member):
    rep_a = member.person
    applicant = applicant_user.person
    rep_b = outsider_member.person
    assert ids(as_token(staff).get("/api/people")) == {rep_a.pk, colleague.pk, applicant.pk}
    assert ids(as_token(admin).get("/api/people")) == {rep_a.pk, colleague.pk, applicant.pk, rep_b.pk}


@pytest.mark.django_db
def test_representatives_see_their_own_organisation_only(as_token, member, colleague, org_a, org_b,
                                                         outsider_member):
    client = as_token(member)
    assert ids(client.get(f"/api/people?organisation={org_a.pk}")) == {member.person.pk, colleague.pk}
    assert ids(client.get("/api/people")) == {member.person.pk, colleague.pk}
    assert ids(client.get(f"/api/people?organisation={org_b.pk}")) == set()


@pytest.mark.django_db
def test_observers_outsiders_and_visitors_see_no_one_of_cluster_a(as_token, observer, outsider, outsider_member,
                                                                  member, colleague, org_a):
    assert ids(as_token(observer).get("/api/people")) == set()
    assert ids(as_token(outsider).get("/api/people")) == {outsider_member.person.pk}
    assert ids(as_token(outsider).get(f"/api/people?organisation={org_a.pk}")) == set()
    assert as_token(None).get("/api/people").status_code == 401
    for user in (observer, outsider, outsider_member):
        assert as_token(user).get(f"/api/people/{colleague.pk}").status_code == 404
    assert as_token(None).get(f"/api/people/{colleague.pk}").status_code == 401


@pytest.mark.django_db
def test_filter_by_cluster_is_for_its_staff(as_token, staff, outsider, member, colleague, outsider_member):
    assert ids(as_token(staff).get("/api/people?cluster=alpha")) == {member.person.pk, colleague.pk}
    assert ids(as_token(staff).get("/api/people?cluster=alpha&q=carla")) == {colleague.pk}
    assert ids(as_token(staff).get("/api/people?q=cto")) == {colleague.pk}
    # which organisations belong to alpha is alpha's business
    assert as_token(outsider).get("/api/people?cluster=alpha").status_code == 404
    assert as_token(member).get("/api/people?cluster=alpha").status_code == 404
    assert ids(as_token(outsider).get("/api/people?cluster=beta")) == {outsider_member.person.pk}


@pytest.mark.django_db
def test_person_detail_gives_consent_dates(as_token, staff, member, colleague):
    response = as_token(staff).get(f"/api/people/{colleague.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["organisation"]["slug"] == "medsense"
    assert body["consent_directory_at"] is None
    assert body["has_account"] is False
    assert as_token(member).get(f"/api/people/{member.person.pk}").json()["has_account"] is True


@pytest.mark.django_db
def test_representative_adds_a_person_with_consents(as_token, member, org_a):
    response = as_token(member).post("/api/people", {
        "organisation": org_a.pk, "first_name": "Dario", "last_name": "Verdi", "email": "dario@example.org",
        "language": "it", "consent_directory": True, "consent_newsletter": False,
    }, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["consent_directory_at"] is not None
    assert body["consent_newsletter_at"] is None
    assert body["is_representative"] is False
    person = Person.objects.get(pk=body["id"])
    assert person.organisation == org_a and person.language == "it"
    entry = AuditEntry.objects.get(model="directory.person", object_id=str(person.pk), action="create")
    assert entry.actor == member and entry.organisation_id == org_a.pk


@pytest.mark.django_db
def test_adding_people_elsewhere_is_refused(as_token, member, outsider, observer, org_a, org_b, cluster_a):
    person = {"first_name": "Eva", "last_name": "Neri"}
    # can see the organisation (public profile) but may not manage its people: 403
    assert as_token(member).post("/api/people", {**person, "organisation": org_b.pk},
                                 content_type=JSON).status_code == 403
    assert as_token(outsider).post("/api/people", {**person, "organisation": org_a.pk},
                                   content_type=JSON).status_code == 403
    assert as_token(observer).post("/api/people", {**person, "organisation": org_a.pk},
                                   content_type=JSON).status_code == 403
    # cannot see it: 404
    Organisation.objects.filter(pk=org_a.pk).update(visibility=Visibility.PRIVATE)
    assert as_token(outsider).post("/api/people", {**person, "organisation": org_a.pk},
                                   content_type=JSON).status_code == 404
    assert as_token(None).post("/api/people", {**person, "organisation": org_a.pk},
                               content_type=JSON).status_code == 401
    assert not Person.objects.filter(first_name="Eva").exists()


@pytest.mark.django_db
def test_validation_errors(as_token, member, org_a):
    response = as_token(member).post("/api/people", {"organisation": org_a.pk, "first_name": "Eva", "last_name": "",
                                                     "email": "not-an-email"}, content_type=JSON)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"last_name", "email"}
    assert as_token(member).post("/api/people", {"organisation": org_a.pk}, content_type=JSON).status_code == 422


@pytest.mark.django_db
def test_staff_change_a_person_and_withdraw_a_consent(as_token, staff, colleague):
    Person.objects.filter(pk=colleague.pk).update(consent_newsletter_at="2024-01-01T10:00:00Z")
    response = as_token(staff).patch(f"/api/people/{colleague.pk}",
                                     {"job_title": "CEO", "consent_newsletter": False, "consent_directory": True},
                                     content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["job_title"] == "CEO" and body["email"] == "carla@example.org"
    assert body["consent_newsletter_at"] is None and body["consent_directory_at"] is not None
    entry = AuditEntry.objects.filter(model="directory.person", object_id=str(colleague.pk)).first()
    assert entry.actor == staff and entry.changes["job_title"] == ["CTO", "CEO"]


@pytest.mark.django_db
def test_others_cannot_change_or_delete(as_token, outsider, outsider_member, observer, colleague):
    for user in (outsider, outsider_member, observer):
        client = as_token(user)
        assert client.patch(f"/api/people/{colleague.pk}", {"job_title": "x"}, content_type=JSON).status_code == 404
        assert client.delete(f"/api/people/{colleague.pk}").status_code == 404
    colleague.refresh_from_db()
    assert colleague.job_title == "CTO"


@pytest.mark.django_db
def test_delete(as_token, member, colleague):
    client = as_token(member)
    assert client.delete(f"/api/people/{colleague.pk}").status_code == 204
    assert not Person.objects.filter(pk=colleague.pk).exists()
    response = client.delete(f"/api/people/{member.person.pk}")
    assert response.status_code == 400
    assert "cannot remove yourself" in response.json()["detail"]
    entry = AuditEntry.objects.get(model="directory.person", object_id=str(colleague.pk), action="delete")
    assert entry.actor == member
