"""Challenge pages through the real HTTP stack: the public list and page (drafts are a 404 for everyone but the
cluster's staff), needs from the public form (kept as typed on an error, dropped when the honeypot is filled), ballots
of visitors and users, a member's solution, and the back office — the challenge form, stages, workshop needs, themes
grouped, merged, split, renamed and completed, solutions shortlisted and a theme turned into a project idea. The
back office is for staff only: a 404 for outsiders, members and observers (who read dashboards but change nothing),
a sign-in for visitors."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.utils import translation

from filiera.challenges import services
from filiera.challenges.models import Challenge, Need, Solution, Theme, Vote
from filiera.core.access import viewer_for
from filiera.directory.models import Membership, Opportunity, Organisation, Visibility
from filiera.matching.services import rebuild_index
from filiera.projects.models import Partner, Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_no_stale_suggestions():
    """Messages in English; and the suggestions cached by an earlier test (keyed on a theme's id and text, which
    the next test's rows may share) forgotten."""
    cache.clear()
    with translation.override("en"):
        yield


@pytest.fixture
def themed(challenge, needs, staff):
    services.group_needs(viewer_for(staff), challenge)
    return challenge


@pytest.fixture
def voting(themed, staff):
    services.move(viewer_for(staff), themed, Challenge.Stage.VOTING)
    return themed


@pytest.fixture
def answering(voting, staff):
    services.move(viewer_for(staff), voting, Challenge.Stage.SOLUTIONS)
    return voting


def heart_of(needs) -> Theme:
    return Theme.objects.get(needs=needs["heart"][0])


def staff_urls(challenge: Challenge, theme: Theme | None = None) -> list[str]:
    base = f"/c/alpha/challenges/{challenge.pk}/"
    urls = ["/c/alpha/challenges/", "/c/alpha/challenges/new/", base, f"{base}edit/"]
    if theme is not None:
        urls.append(f"{base}themes/{theme.pk}/activity/")
    return urls


# --- who sees what -------------------------------------------------------------------------------------------------


def test_visitors_and_members_see_a_published_challenge(client, as_user, themed, member, outsider, outsider_member,
                                                        needs):
    for browser in (client, as_user(member), as_user(outsider), as_user(outsider_member)):
        html = browser.get("/challenges/").content.decode()
        assert "Fragile and chronic patients in remote areas" in html
        response = browser.get(f"/challenges/{themed.pk}/")
        html = response.content.decode()
        assert response.status_code == 200 and themed.statement in html
        assert all(theme.label in html for theme in themed.themes.all())
        assert needs["falls"][0].text in html and "Social worker" in html
        assert "Manage the challenge" not in html
    html = client.get("/challenges/").content.decode()
    assert 'href="/challenges/"' in html  # the public navigation links to the challenges


def test_a_draft_is_a_404_for_all_but_its_cluster_staff(client, as_user, challenge, member, outsider,
                                                        outsider_member, observer, staff, admin):
    challenge.stage = Challenge.Stage.DRAFT
    challenge.save()
    url = f"/challenges/{challenge.pk}/"
    for browser in (client, as_user(member), as_user(outsider), as_user(outsider_member), as_user(observer)):
        assert browser.get(url).status_code == 404
        assert challenge.title not in browser.get("/challenges/").content.decode()
        assert browser.post(f"{url}needs/", {"text": "A need voiced about a draft.", "actor": "gp"}).status_code \
            == 404
    for browser in (as_user(staff), as_user(admin)):
        html = browser.get(url).content.decode()
        assert "only the cluster staff see it" in html and "Manage the challenge" in html
    assert not Need.objects.exists()


def test_the_back_office_is_for_the_cluster_s_staff_only(client, as_user, answering, needs, member, observer,
                                                         outsider, staff, manager, admin):
    theme = heart_of(needs)
    for url in staff_urls(answering, theme):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]  # sign in first
        for user in (outsider, member, observer):  # observers read dashboards, not this: a 404 like other staff pages
            assert as_user(user).get(url).status_code == 404, (user, url)
        for user in (staff, manager, admin):
            assert as_user(user).get(url).status_code == 200, (user, url)
    # Another cluster's staff reach nothing of alpha's challenge through their own back office either.
    assert as_user(outsider).get(f"/c/beta/challenges/{answering.pk}/").status_code == 404
    base = f"/c/alpha/challenges/{answering.pk}/"
    posts = [(f"{base}stage/", {"stage": "closed"}), (f"{base}group/", {}),
             (f"{base}needs/", {"need-text": "A need from a workshop.", "need-actor": "gp"}),
             (f"{base}themes/{theme.pk}/", {"action": "rename", "label": "Hijacked"}),
             (f"{base}needs/{needs['heart'][0].pk}/", {"action": "remove"})]
    for url, data in posts:
        for user in (outsider, member, observer):
            assert as_user(user).post(url, data).status_code == 404
        assert client.post(url, data).status_code == 302
    answering.refresh_from_db()
    theme.refresh_from_db()
    assert answering.stage == Challenge.Stage.SOLUTIONS and theme.label != "Hijacked" and Need.objects.count() == 9


def test_the_back_office_navigation_links_to_the_challenges(as_user, staff, observer):
    html = as_user(staff).get("/c/alpha/").content.decode()
    assert 'href="/c/alpha/challenges/"' in html
    assert 'href="/c/alpha/challenges/"' not in as_user(observer).get("/c/alpha/").content.decode()


# --- needs ---------------------------------------------------------------------------------------------------------


def test_a_visitor_voices_a_need_and_who_voiced_it_is_for_staff_only(client, as_user, challenge, staff):
    response = client.post(f"/challenges/{challenge.pk}/needs/", {
        "text": "Il medico di base non vede i dati del telemonitoraggio.", "actor": "gp",
        "voiced_by": "Casa della salute di Vergato"})
    assert response.status_code == 302 and response["Location"].endswith(f"/challenges/{challenge.pk}/#needs")
    need = Need.objects.get()
    assert need.source == Need.Source.FORM and need.actor == "gp" and need.voiced_by == "Casa della salute di Vergato"
    html = client.get(f"/challenges/{challenge.pk}/").content.decode()
    assert need.text in html and "General practitioner" in html and "Vergato" not in html
    assert "Vergato" not in as_user(staff).get(f"/challenges/{challenge.pk}/").content.decode()
    assert "Casa della salute di Vergato" in as_user(staff).get(f"/c/alpha/challenges/{challenge.pk}/").content \
        .decode()


def test_a_bad_need_comes_back_as_typed_with_what_is_wrong(client, challenge):
    response = client.post(f"/challenges/{challenge.pk}/needs/", {"text": "Too short", "actor": "nurse",
                                                                  "voiced_by": "Ward 3"})
    html = response.content.decode()
    assert response.status_code == 400 and "at least (10 characters)" in html
    assert "Too short</textarea>" in html and 'value="Ward 3"' in html
    assert re.search(r'<option value="nurse" selected>', html)
    response = client.post(f"/challenges/{challenge.pk}/needs/", {"text": "Nobody knows who voices this one."})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not Need.objects.exists()


def test_a_need_with_the_honeypot_filled_is_dropped(client, challenge):
    response = client.post(f"/challenges/{challenge.pk}/needs/", {
        "text": "Buy cheap watches at our wonderful shop.", "actor": "other", "website": "https://spam.example"})
    assert response.status_code == 302 and not Need.objects.exists()


def test_the_form_takes_needs_only_while_the_challenge_collects_them(client, voting):
    html = client.get(f"/challenges/{voting.pk}/").content.decode()
    assert "Voice a need" not in html
    response = client.post(f"/challenges/{voting.pk}/needs/", {"text": "A need voiced too late.", "actor": "gp"})
    html = response.content.decode()
    assert response.status_code == 400 and "not collecting needs now" in html and "A need voiced too late." in html
    assert Need.objects.count() == 9


# --- votes ---------------------------------------------------------------------------------------------------------


def test_a_visitor_votes_once_per_browser_and_voting_again_replaces_the_ballot(client, voting):
    themes = list(voting.themes.all())
    html = client.get(f"/challenges/{voting.pk}/").content.decode()
    assert "Vote the priorities" in html and 'name="theme"' in html
    response = client.post(f"/challenges/{voting.pk}/vote/", {"theme": [themes[0].pk, themes[1].pk]})
    assert response.status_code == 302
    voters = set(Vote.objects.values_list("voter", flat=True))
    assert len(voters) == 1 and next(iter(voters)).startswith("browser:")
    client.post(f"/challenges/{voting.pk}/vote/", {"theme": [themes[2].pk]})
    assert list(Vote.objects.values_list("theme_id", flat=True)) == [themes[2].pk]
    html = client.get(f"/challenges/{voting.pk}/").content.decode()
    assert "Your ballot is recorded" in html and "Change my vote" in html
    # Another browser is another voter.
    from django.test import Client

    Client().post(f"/challenges/{voting.pk}/vote/", {"theme": [themes[2].pk]})
    assert Vote.objects.filter(theme=themes[2]).count() == 2


def test_signed_in_users_vote_as_themselves_and_a_ballot_has_three_themes_at_most(as_user, voting, member, staff):
    themes = list(voting.themes.all())
    browser = as_user(member)
    browser.post(f"/challenges/{voting.pk}/vote/", {"theme": [themes[0].pk]})
    browser.post(f"/challenges/{voting.pk}/vote/", {"theme": [themes[1].pk, themes[2].pk]})
    assert set(Vote.objects.filter(voter=f"user:{member.pk}").values_list("theme_id", flat=True)) == \
        {themes[1].pk, themes[2].pk}
    extra = Theme.objects.create(challenge=voting, label="Fourth", position=3)
    response = browser.post(f"/challenges/{voting.pk}/vote/", {"theme": [t.pk for t in themes] + [extra.pk]},
                            follow=True)
    assert "Choose at most 3 themes." in response.content.decode()
    assert Vote.objects.filter(voter=f"user:{member.pk}").count() == 2
    # The staff's page shows the priorities.
    html = as_user(staff).get(f"/c/alpha/challenges/{voting.pk}/").content.decode()
    assert "Priorities voted" in html


def test_visitors_are_asked_to_sign_in_where_only_users_vote(client, voting):
    voting.open_voting = False
    voting.save()
    html = client.get(f"/challenges/{voting.pk}/").content.decode()
    assert "Sign in to vote on this challenge." in html and 'name="theme"' not in html
    response = client.post(f"/challenges/{voting.pk}/vote/", {"theme": [voting.themes.first().pk]})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Vote.objects.exists()


# --- solutions -----------------------------------------------------------------------------------------------------


def test_a_member_answers_a_theme_and_edits_the_solution(as_user, client, answering, needs, member, org_a,
                                                         opportunity_a, outsider_member):
    theme = heart_of(needs)
    offer = Opportunity.objects.create(
        organisation=org_a, cluster=answering.cluster, type=Opportunity.Type.TECHNOLOGY_OFFER, language="it",
        title="Telemonitoraggio dello scompenso cardiaco a domicilio",
        summary="Telemonitoraggio a casa dei pazienti con scompenso cardiaco", visibility=Visibility.PUBLIC)
    rebuild_index()
    url = f"/challenges/{answering.pk}/themes/{theme.pk}/solution/"
    html = as_user(member).get(f"/challenges/{answering.pk}/").content.decode()
    assert f'href="{url}"' in html and "Propose a solution" in html
    response = as_user(member).get(url)
    html = response.content.decode()
    assert response.status_code == 200 and "MedSense Srl" in html and needs["heart"][0].text in html
    # The offer the matching engine finds closest to the theme is chosen already; the other one may be chosen.
    assert re.search(rf'<option value="{offer.pk}" selected>', html)
    assert f'<option value="{opportunity_a.pk}">' in html
    response = as_user(member).post(url, {"organisation": org_a.pk, "title": "", "description": "Our patch."})
    html = response.content.decode()
    assert response.status_code == 400 and "This field is required." in html and "Our patch.</textarea>" in html
    response = as_user(member).post(url, {"organisation": org_a.pk, "title": "Wearable ECG patch",
                                          "description": "Sends the ECG to the GP.", "opportunity": opportunity_a.pk})
    assert response.status_code == 302
    solution = Solution.objects.get()
    assert (solution.organisation, solution.opportunity, solution.author) == (org_a, opportunity_a, member)
    html = as_user(member).get(f"/challenges/{answering.pk}/").content.decode()
    assert "Your solutions" in html and "Wearable ECG patch" in html
    assert "Wearable ECG patch" not in client.get(f"/challenges/{answering.pk}/").content.decode()
    html = as_user(member).get(url).content.decode()
    assert 'value="Wearable ECG patch"' in html and "answered this theme already" in html
    assert re.search(rf'<option value="{opportunity_a.pk}" selected>', html)  # the solution's own offer
    as_user(member).post(url, {"organisation": org_a.pk, "title": "Patch v2", "description": "Now with falls."})
    assert Solution.objects.get().title == "Patch v2"
    # Who may not answer: a member of another cluster's network, and a visitor.
    assert as_user(outsider_member).get(url).status_code == 403
    assert as_user(outsider_member).post(url, {"organisation": org_a.pk, "title": "x", "description": "y"}) \
        .status_code == 403
    assert client.get(url).status_code == 302
    assert Solution.objects.count() == 1


def test_the_themes_suggested_to_a_member_come_first_with_the_reasons(as_user, client, answering, needs, member):
    heart = heart_of(needs)
    Theme.objects.filter(pk=heart.pk).update(position=9)  # last of the themes' own order
    rebuild_index()
    assert set(services.themes_for(viewer_for(member), answering)) == {heart.pk}
    html = as_user(member).get(f"/challenges/{answering.pk}/").content.decode()
    positions = sorted((html.index(f'id="theme-{theme.pk}"'), theme.pk) for theme in answering.themes.all())
    assert positions[0][1] == heart.pk
    assert html.count("Suggested for you") == 1 and "Telemonitoring" in html.split("Suggested for you")[1][:400]
    assert "Suggested for you" not in client.get(f"/challenges/{answering.pk}/").content.decode()


def test_staff_see_the_members_the_matching_engine_suggests_per_theme(as_user, staff, answering, needs, org_a):
    rebuild_index()
    html = as_user(staff).get(f"/c/alpha/challenges/{answering.pk}/").content.decode()
    card = html.split(f'id="theme-{heart_of(needs).pk}"')[1].split("</section>")[0]
    assert "Members the matching engine suggests" in card and "MedSense Srl" in card


# --- the back office -----------------------------------------------------------------------------------------------


def test_staff_create_and_edit_a_challenge_and_the_form_keeps_what_was_typed(as_user, staff, hospital, vocabulary):
    data = {"title": "Loneliness of the elderly", "owner": hospital.pk, "statement": "Old people live alone.",
            "scope": "", "language": "en", "opens_on": "2026-05-01", "closes_on": "2026-04-01",
            "open_voting": "on"}
    response = as_user(staff).post("/c/alpha/challenges/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and "cannot close before it opens" in html
    assert 'value="Loneliness of the elderly"' in html and not Challenge.objects.exists()
    data["closes_on"] = "2026-09-30"
    response = as_user(staff).post("/c/alpha/challenges/new/", data)
    challenge = Challenge.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/c/alpha/challenges/{challenge.pk}/"
    assert challenge.stage == Challenge.Stage.DRAFT and challenge.owner == hospital and challenge.created_by == staff
    assert challenge.cluster.slug == "alpha" and challenge.open_voting
    html = as_user(staff).get(f"/c/alpha/challenges/{challenge.pk}/edit/").content.decode()
    assert 'value="Loneliness of the elderly"' in html
    as_user(staff).post(f"/c/alpha/challenges/{challenge.pk}/edit/", {**data, "title": "Loneliness at home",
                                                                       "open_voting": ""})
    challenge.refresh_from_db()
    assert challenge.title == "Loneliness at home" and not challenge.open_voting
    assert "Loneliness at home" in as_user(staff).get("/c/alpha/challenges/").content.decode()


def test_staff_move_the_stages_one_at_a_time(as_user, staff, challenge, needs):
    url = f"/c/alpha/challenges/{challenge.pk}/"
    html = as_user(staff).get(url).content.decode()
    assert "Move to: Voting on priorities" in html and "Move to: Draft" in html
    response = as_user(staff).post(f"{url}stage/", {"stage": "voting"}, follow=True)
    assert "Group the needs into themes before the vote opens." in response.content.decode()
    response = as_user(staff).post(f"{url}stage/", {"stage": "closed"}, follow=True)
    assert "one stage at a time" in response.content.decode()
    as_user(staff).post(f"{url}group/", {"max_themes": ""})
    response = as_user(staff).post(f"{url}stage/", {"stage": "voting"})
    assert response.status_code == 302 and response["Location"] == url
    challenge.refresh_from_db()
    assert challenge.stage == Challenge.Stage.VOTING


def test_staff_enter_workshop_needs_kept_as_typed_on_an_error(as_user, staff, challenge):
    url = f"/c/alpha/challenges/{challenge.pk}/needs/"
    response = as_user(staff).post(url, {"need-text": "Short", "need-actor": "carer", "need-voiced_by": "Lizzano"})
    html = response.content.decode()
    assert response.status_code == 400 and "at least (10 characters)" in html and "Short</textarea>" in html
    response = as_user(staff).post(url, {"need-text": "Carers need respite when the patient comes home.",
                                         "need-actor": "carer", "need-voiced_by": "Comune di Lizzano"})
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.source == Need.Source.WORKSHOP and need.entered_by == staff
    html = as_user(staff).get(f"/c/alpha/challenges/{challenge.pk}/").content.decode()
    assert "Comune di Lizzano" in html and "Family or informal carer" in html


def test_staff_group_merge_split_rename_place_and_remove(as_user, staff, challenge, needs):
    browser = as_user(staff)
    base = f"/c/alpha/challenges/{challenge.pk}/"
    html = browser.get(base).content.decode()
    assert "Group the needs" in html and "Who voiced the needs" in html
    assert re.search(r"<td>Nurse</td><td class=\"text-end\">2</td>", html)  # the counts by kind of actor
    response = browser.post(f"{base}group/", {"max_themes": ""}, follow=True)
    assert "The needs are grouped into 3 themes." in response.content.decode()
    assert challenge.themes.count() == 3
    heart, falls = heart_of(needs), Theme.objects.get(needs=needs["falls"][0])
    html = browser.get(base).content.decode()
    assert "Merge with" in html and "Split in two" in html and "Rename" in html
    # Rename, then back to the computed label.
    browser.post(f"{base}themes/{heart.pk}/", {"action": "rename", "label": "Heart failure at home"})
    heart.refresh_from_db()
    assert heart.label == "Heart failure at home" and heart.named
    browser.post(f"{base}themes/{heart.pk}/", {"action": "rename", "label": ""})
    heart.refresh_from_db()
    assert not heart.named and heart.label != "Heart failure at home"
    # Merge the falls into the heart theme, split it again.
    response = browser.post(f"{base}themes/{heart.pk}/", {"action": "merge", "other": falls.pk}, follow=True)
    assert "The themes are merged" in response.content.decode()
    assert challenge.themes.count() == 2
    merged = heart_of(needs)
    assert merged.needs.count() == 6
    response = browser.post(f"{base}themes/{merged.pk}/", {"action": "split"}, follow=True)
    assert "The theme is split" in response.content.decode() and challenge.themes.count() == 3
    # Place a need out of every theme: it is listed among the needs in no theme, with a select to place it back.
    need = needs["diabetes"][0]
    diabetes = Theme.objects.get(needs=need)
    browser.post(f"{base}needs/{need.pk}/", {"action": "place", "theme": ""})
    need.refresh_from_db()
    assert need.theme is None
    html = browser.get(base).content.decode()
    assert "Needs in no theme" in html and f'id="place-{need.pk}"' in html
    browser.post(f"{base}needs/{need.pk}/", {"action": "place", "theme": diabetes.pk})
    need.refresh_from_db()
    assert need.theme == diabetes
    # Remove a need.
    response = browser.post(f"{base}needs/{needs['heart'][0].pk}/", {"action": "remove"})
    assert response.status_code == 302 and response["Location"] == f"{base}#needs"
    assert Need.objects.count() == 8
    # A theme of another challenge is not one of this one's.
    other = Challenge.objects.create(cluster=challenge.cluster, title="Other", statement="Other",
                                     stage=Challenge.Stage.NEEDS)
    foreign = Theme.objects.create(challenge=other, label="Foreign")
    assert browser.post(f"{base}themes/{foreign.pk}/", {"action": "split"}).status_code == 404
    assert browser.post(f"{base}needs/{need.pk}/", {"action": "place", "theme": "x"}).status_code == 404
    assert browser.post(f"{base}themes/{diabetes.pk}/", {"action": "merge", "other": foreign.pk}).status_code == 404


def test_the_structure_is_settled_once_the_vote_opens(as_user, staff, voting, needs):
    base = f"/c/alpha/challenges/{voting.pk}/"
    html = as_user(staff).get(base).content.decode()
    assert "Group the needs" not in html and "Merge with" not in html and "Split in two" not in html
    assert "Rename" in html and 'id="place-' not in html and "Enter a need voiced at a workshop" not in html
    heart = heart_of(needs)
    response = as_user(staff).post(f"{base}themes/{heart.pk}/", {"action": "split"}, follow=True)
    assert "The themes are settled once the vote opens" in response.content.decode()
    assert voting.themes.count() == 3


def test_staff_shortlist_and_turn_a_theme_into_a_project_idea(as_user, staff, answering, needs, member, org_a,
                                                              hospital):
    theme = heart_of(needs)
    solution = services.submit_solution(viewer_for(member), theme, org_a, {
        "title": "Wearable ECG patch", "description": "Telemonitoring of heart failure at home."}, user=member)
    university = Organisation.objects.create(slug="unibo", name="Università di Bologna", kind="university",
                                             country="IT")
    Membership.objects.create(organisation=university, cluster=answering.cluster, status=Membership.Status.ACTIVE)
    browser = as_user(staff)
    base = f"/c/alpha/challenges/{answering.pk}/"
    html = browser.get(base).content.decode()
    assert "Wearable ECG patch" in html and "Shortlist" in html and "Turn into an activity" in html
    response = browser.post(f"{base}solutions/{solution.pk}/", {"status": "shortlisted"})
    assert response.status_code == 302 and response["Location"] == f"{base}#theme-{theme.pk}"
    solution.refresh_from_db()
    assert solution.status == Solution.Status.SHORTLISTED
    # The builder: the choices, then the alternatives side by side, each with the shortlisted member in.
    url = f"{base}themes/{theme.pk}/activity/"
    html = browser.get(url).content.decode()
    assert 'id="builder-form"' in html and 'id="alternatives"' not in html and "MedSense Srl" in html
    response = browser.get(url, {"min_size": "2", "max_size": "3", "max_per_country": "", "coordinator": "",
                                 "network": "on"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="alternatives"' in html and "Create the project idea" in html
    members = re.findall(r'name="organisations" value="(\d+)"', html.split('id="alternatives"')[1].split("</form>")[0])
    assert str(org_a.pk) in members
    # A size rule that cannot hold says so on the form.
    html = browser.get(url, {"min_size": "3", "max_size": "2"}).content.decode()
    assert "The maximum cannot be below the minimum." in html
    # Saving one makes the project idea with its partners and links the theme to it.
    response = browser.post(url, {"acronym": "", "organisations": members}, follow=True)
    assert "This field is required." in response.content.decode() and not Project.objects.exists()
    response = browser.post(url, {"acronym": "HEART-HOME", "organisations": members})
    project = Project.objects.get(acronym="HEART-HOME")
    assert response.status_code == 302 and response["Location"] == f"/c/alpha/projects/{project.pk}/"
    assert project.status == Project.Status.IDEA and project.cluster == answering.cluster
    assert set(Partner.objects.filter(project=project).values_list("organisation_id", flat=True)) == \
        {int(pk) for pk in members}
    theme.refresh_from_db()
    assert theme.activity == project
    html = browser.get(base).content.decode()
    assert f'href="/c/alpha/projects/{project.pk}/"' in html and "HEART-HOME" in html
    html = browser.get(url).content.decode()
    assert "already a transformative activity" in html and 'id="builder-form"' not in html
    response = browser.post(url, {"acronym": "AGAIN", "organisations": members}, follow=True)
    assert "already the activity" in response.content.decode() and Project.objects.count() == 1


def test_a_theme_becomes_an_activity_only_once_solutions_are_collected(as_user, staff, themed, needs):
    url = f"/c/alpha/challenges/{themed.pk}/themes/{heart_of(needs).pk}/activity/"
    html = as_user(staff).get(url).content.decode()
    assert "once solutions are being collected" in html
    assert "Turn into an activity" not in as_user(staff).get(f"/c/alpha/challenges/{themed.pk}/").content.decode()


def test_staff_invite_the_suggested_members_from_the_challenges_page(as_user, staff, answering, needs, org_a,
                                                                     outsider, member, observer, mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    rebuild_index()
    url = f"/c/alpha/challenges/{answering.pk}/invite/"
    for user in (outsider, member, observer):
        assert as_user(user).post(url).status_code == 404
    assert not answering.invitations.exists()
    page = as_user(staff).get(f"/c/alpha/challenges/{answering.pk}/").content.decode()
    assert "Invite the suggested members" in page and "0 members are invited so far" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(staff).post(url, follow=True)
    html = response.content.decode()
    assert "1 member is invited; emails sent to representatives: 1." in html
    assert [m.to for m in mailoutbox] == [["member@example.org"]]
    assert answering.invitations.get().organisation == org_a
    response = as_user(staff).post(url, follow=True)
    assert "every member suggested is invited already" in response.content.decode()
