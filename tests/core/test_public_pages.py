"""Home, clusters, cluster and network pages, sign-in and the account page, through the real HTTP stack."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from filiera.core.models import ApiToken, ExcellenceLabel, Network
from filiera.directory.models import Membership, Opportunity, Organisation, Visibility
from tests.conftest import PASSWORD, make_member, make_user


@pytest.fixture
def labelled_cluster(cluster_a):
    ExcellenceLabel.objects.create(cluster=cluster_a, level="bronze", awarded_on=datetime.date(2020, 5, 1),
                                   valid_until=datetime.date(2022, 5, 1))
    ExcellenceLabel.objects.create(cluster=cluster_a, level="silver", awarded_on=datetime.date(2022, 6, 1))
    cluster_a.description = "Il cluster delle scienze della vita"
    cluster_a.strategy_objectives = "Grow the regional medtech value chain"
    cluster_a.website = "https://alpha.example.org"
    cluster_a.save()
    return cluster_a


@pytest.fixture
def members_only_member(cluster_a):
    org = Organisation.objects.create(slug="quiet-lab", name="Quiet Lab", kind="university", country="IT",
                                      visibility=Visibility.MEMBERS)
    Membership.objects.create(organisation=org, cluster=cluster_a, status=Membership.Status.ACTIVE,
                              notes="Board seat promised", fee_tier="large")
    return org


# --- home ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_shows_clusters_and_public_opportunities(as_user, labelled_cluster, cluster_b, org_a, org_b,
                                                       members_only_member, opportunity_a, private_opportunity_a):
    response = as_user(None).get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alpha Health Cluster" in body and "Beta Welfare Cluster" in body
    assert "Emilia-Romagna" in body and "Biomedical devices" in body
    assert "Silver 2022" in body  # the current label, not the expired bronze one
    assert "2 members" in body and "1 member" in body
    assert opportunity_a.title in body and private_opportunity_a.title not in body
    assert reverse("directory:directory") in body and reverse("login") in body
    for secret in ("Pays late", "Board seat promised"):
        assert secret not in body


@pytest.mark.django_db
def test_home_lists_the_six_newest_live_opportunities(as_user, org_a, cluster_a):
    today = datetime.date.today()
    common = {"organisation": org_a, "cluster": cluster_a, "type": Opportunity.Type.TECHNOLOGY_OFFER,
              "summary": "A summary", "visibility": Visibility.PUBLIC}
    live = [Opportunity.objects.create(title=f"Live offer {n}", **common) for n in range(7)]
    Opportunity.objects.create(title="Expired offer", expires_on=today - datetime.timedelta(days=2), **common)
    Opportunity.objects.create(title="Draft offer", status=Opportunity.Status.DRAFT, **common)
    Opportunity.objects.create(title="Hidden offer", status=Opportunity.Status.HIDDEN, **common)

    recent = as_user(None).get(reverse("home")).context["recent_opportunities"]
    assert [o.title for o in recent] == [o.title for o in reversed(live[1:])]


@pytest.mark.django_db
def test_home_for_a_member_shows_members_only_opportunities(as_user, member, opportunity_a, private_opportunity_a,
                                                             outsider_member):
    assert private_opportunity_a.title in as_user(member).get(reverse("home")).content.decode()
    assert private_opportunity_a.title not in as_user(outsider_member).get(reverse("home")).content.decode()


# --- clusters and networks -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cluster_list_is_grouped_by_network(as_user, cluster_a, cluster_b, db):
    from filiera.core.models import Cluster

    Cluster.objects.create(slug="gamma", name="Gamma Cluster", country="ES")
    response = as_user(None).get(reverse("clusters"))
    assert response.status_code == 200
    groups = {network.name: [c.name for c in clusters] for network, clusters in response.context["groups"]}
    assert groups == {"Alpha network": ["Alpha Health Cluster"], "Beta network": ["Beta Welfare Cluster"]}
    assert [c.name for c in response.context["other_clusters"]] == ["Gamma Cluster"]
    body = response.content.decode()
    assert reverse("network", args=["alpha-net"]) in body and reverse("cluster", args=["gamma"]) in body


@pytest.mark.django_db
def test_network_page_lists_its_clusters(as_user, cluster_a, cluster_b, org_a):
    network = Network.objects.get(slug="alpha-net")
    network.description = "The regional network"
    network.coordinator = "Regional innovation agency"
    network.save()
    response = as_user(None).get(reverse("network", args=["alpha-net"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alpha Health Cluster" in body and "Beta Welfare Cluster" not in body
    assert "Regional innovation agency" in body and "1 member" in body
    assert as_user(None).get(reverse("network", args=["no-such-network"])).status_code == 404


@pytest.mark.django_db
def test_cluster_page_for_a_visitor(as_user, labelled_cluster, org_a, org_applicant, members_only_member):
    response = as_user(None).get(reverse("cluster", args=["alpha"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Il cluster delle scienze della vita" in body and "Grow the regional medtech value chain" in body
    assert "https://alpha.example.org" in body and "Emilia-Romagna" in body and "Biomedical devices" in body
    assert reverse("network", args=["alpha-net"]) in body
    # the label history, newest first
    assert [(lab.level, lab.awarded_on.year) for lab in response.context["excellence_labels"]] == [
        ("silver", 2022), ("bronze", 2020)]
    assert "Bronze" in body and "2020" in body and "Silver 2022" in body
    # members: the count covers all active members; the list only the profiles the viewer may see
    assert "The cluster has 2 active members." in body
    assert "1 of them has a profile you can see." in body
    assert "MedSense Srl" in body and "Quiet Lab" not in body and "NewCo Health" not in body
    assert response.context["kind_counts"] == [("SME", 1)]
    # a visitor is invited to apply; no back office
    assert reverse("directory:register", args=["alpha"]) in body
    assert reverse("staff:dashboard", args=["alpha"]) not in body
    for secret in ("Pays late", "Board seat promised", "Medium (SME)", "We make rehabilitation games"):
        assert secret not in body


@pytest.mark.django_db
def test_cluster_page_members_by_viewer(as_user, cluster_a, org_a, members_only_member, member, outsider,
                                        outsider_member, staff):
    url = reverse("cluster", args=["alpha"])
    assert "Quiet Lab" in as_user(member).get(url).content.decode()
    for user in (outsider, outsider_member):
        assert "Quiet Lab" not in as_user(user).get(url).content.decode()
    response = as_user(staff).get(url)
    assert dict(response.context["kind_counts"]) == {"SME": 1, "University": 1}
    assert "Board seat promised" not in response.content.decode()


@pytest.mark.django_db
def test_cluster_page_apply_buttons(as_user, cluster_a, cluster_b, org_a, member, outsider_member, applicant_user,
                                    outsider):
    url = reverse("cluster", args=["alpha"])
    register = reverse("directory:register", args=["alpha"])
    # a representative of an organisation that is not a member applies for it
    body = as_user(outsider_member).get(url).content.decode()
    assert f'{reverse("directory:apply", args=["velfaerd"])}?cluster=alpha' in body
    assert register not in body
    # already a member: no button
    body = as_user(member).get(url).content.decode()
    assert reverse("directory:apply", args=["medsense"]) not in body and register not in body
    # an applicant is told the application is being reviewed
    body = as_user(applicant_user).get(url).content.decode()
    assert reverse("directory:apply", args=["newco"]) not in body
    assert "The application of NewCo Health is being reviewed" in body
    # staff of another cluster, without an organisation: nothing to apply with
    body = as_user(outsider).get(url).content.decode()
    assert "Apply for membership" not in body
    # a former member may apply again
    Membership.objects.filter(organisation__slug="medsense").update(status=Membership.Status.LEFT)
    body = as_user(make_member("again", Organisation.objects.get(slug="medsense"))).get(url).content.decode()
    assert f'{reverse("directory:apply", args=["medsense"])}?cluster=alpha' in body


@pytest.mark.django_db
def test_cluster_page_back_office_link(as_user, cluster_a, manager, staff, observer, member, outsider, admin):
    url = reverse("cluster", args=["alpha"])
    back_office = f'href="{reverse("staff:dashboard", args=["alpha"])}"'
    for user in (manager, staff, observer, admin):
        response = as_user(user).get(url)
        assert response.context["can_open_back_office"] is True
        assert back_office in response.content.decode()
    for user in (member, outsider, None):
        response = as_user(user).get(url)
        assert response.context["can_open_back_office"] is False


@pytest.mark.django_db
def test_unknown_cluster_is_404(as_user, db):
    assert as_user(None).get(reverse("cluster", args=["nowhere"])).status_code == 404


# --- sign in ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_and_sign_in(client, db):
    user = make_user("giorgia", language="it")
    response = client.get(reverse("login") + "?next=/directory/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body and 'autocomplete="current-password"' in body
    assert 'name="next" value="/directory/"' in body and "csrfmiddlewaretoken" in body

    response = client.post(reverse("login"), {"username": "giorgia", "password": "wrong", "next": "/directory/"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body and 'value="giorgia"' in body

    response = client.post(reverse("login"), {"username": "giorgia", "password": PASSWORD, "next": "/directory/"})
    assert response.status_code == 302 and response["Location"] == "/directory/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    assert client.session["_auth_user_id"] == str(user.pk)


# --- account ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_account_needs_sign_in(as_user, db):
    response = as_user(None).get(reverse("account"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_token_is_shown_once_listed_and_revocable_by_its_owner_only(as_user, member, outsider):
    client = as_user(member)
    response = client.post(reverse("account"), {"action": "create_token", "name": "Nightly export robot"}, follow=True)
    assert response.redirect_chain == [(reverse("account"), 302)]  # a reload cannot create a second token
    raw = response.context["new_token"]
    assert raw.startswith("fil_") and raw in response.content.decode()
    token = ApiToken.objects.get(user=member)
    assert token.name == "Nightly export robot" and raw.startswith(token.prefix)

    # shown once: the list shows the prefix, never the secret again
    body = client.get(reverse("account")).content.decode()
    assert raw not in body
    assert "Nightly export robot" in body and f"{token.prefix}…" in body
    revoke = reverse("revoke_token", args=[token.pk])
    assert f'action="{revoke}"' in body

    # another user cannot revoke it, nor see it
    other = as_user(outsider)
    assert "Nightly export robot" not in other.get(reverse("account")).content.decode()
    assert other.post(revoke).status_code == 302
    assert ApiToken.objects.filter(pk=token.pk).exists()
    # revoking needs a POST
    assert client.get(revoke).status_code == 405
    # its owner can
    response = client.post(revoke, follow=True)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert "Token revoked." in response.content.decode()
    assert "You have no API token." in response.content.decode()


@pytest.mark.django_db
def test_token_needs_a_name(as_user, member):
    response = as_user(member).post(reverse("account"), {"action": "create_token", "name": "  "})
    assert response.status_code == 200
    assert response.context["new_token"] is None
    assert not ApiToken.objects.filter(user=member).exists()
    assert "Give the token a name" in response.content.decode()


@pytest.mark.django_db
def test_language_change_on_account_page(as_user, member):
    client = as_user(member)
    body = client.get(reverse("account")).content.decode()
    assert '<option value="en" selected>' in body
    response = client.post(reverse("account"), {"action": "language", "language": "it"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    member.refresh_from_db()
    assert member.language == "it"
    body = client.get(reverse("account")).content.decode()
    assert '<html lang="it">' in body and '<option value="it" selected>' in body
    # an unknown language changes nothing
    client.post(reverse("account"), {"action": "language", "language": "xx"})
    member.refresh_from_db()
    assert member.language == "it"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["vendor/bootstrap/bootstrap.min.css", "vendor/htmx/htmx.min.js", "filiera.css",
                                  "vendor/bootstrap-icons/bootstrap-icons.min.css"])
def test_vendored_static_files_are_served(client, path):
    from django.templatetags.static import static

    response = client.get(static(path))
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])


@pytest.mark.django_db
def test_not_found_page_has_the_layout(client):
    response = client.get("/org/no-such-organisation/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and 'href="/directory/"' in body  # the navigation is there


@pytest.mark.django_db
def test_password_change(as_user, member):
    from tests.conftest import PASSWORD

    assert as_user(None).get(reverse("password_change")).status_code == 302  # sign in first
    client = as_user(member)
    assert reverse("password_change") in client.get(reverse("account")).content.decode()
    url = reverse("password_change")
    wrong = client.post(url, {"old_password": "nope", "new_password1": "x", "new_password2": "y"})
    assert wrong.status_code == 200 and 'aria-invalid="true"' in wrong.content.decode()
    new = "Another-long-pass-42"
    response = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account")
    assert "Your password is changed." in response.content.decode()
    member.refresh_from_db()
    assert member.check_password("Another-long-pass-42")
