"""Open-innovation challenges in the browser.

1. From needs to the vote: a visitor opens a challenge collecting needs and voices one through the public form (a
   need too short comes back as typed, with the error), is thanked and sees it listed, never who voiced it; the staff
   enter a need voiced at a workshop, group the needs into themes, rename one, merge two and split them again, and
   open the vote; a visitor ticks four themes and is refused, votes for three, then votes again and the ballot is
   replaced; the staff see the priorities voted.
2. From the vote to the activity: the staff open the solutions; the member sees the theme the matching engine
   suggests for their organisation first and proposes a solution; the staff shortlist it, build consortia for the
   theme, save one as a project idea and land on the project with its partners.
"""

import re

import pytest
from playwright.sync_api import expect

from filiera.challenges import services
from filiera.challenges.models import Challenge, Need, Vote
from filiera.core.access import viewer_for
from filiera.matching.services import rebuild_index
from tests.browser.conftest import label, screenshot, sign_in
from tests.challenges import conftest as challenge_fixtures
from tests.conftest import PASSWORD
from tests.projects import conftest as project_fixtures

# The challenge and project tests' fixtures, shared with these tests.
vocabulary, hospital = challenge_fixtures.vocabulary, challenge_fixtures.hospital
challenge, needs = challenge_fixtures.challenge, challenge_fixtures.needs
hospital_a, university_a = project_fixtures.hospital_a, project_fixtures.university_a

# Two needs about medicines: with the nine of the fixture, the engine groups them into a fourth theme.
PUBLIC_NEED = "My father takes the wrong pills: an automatic medicine dispenser would help."
WORKSHOP_NEED = "Servono dispensatori automatici di farmaci per chi sbaglia le pillole."


def theme_card(page, name: str):
    """A theme's card (a region named by its heading, which starts with the theme's label)."""
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(name)}(\s|$)"))


def theme_of(need) -> str:
    """The label of the theme a need is in now."""
    return Need.objects.select_related("theme").get(pk=need.pk).theme.label


def alert(page):
    return page.get_by_role("alert").first


def test_needs_are_voiced_grouped_into_themes_and_voted(page, new_page, staff, challenge, needs):
    # A visitor voices a need; one too short comes back as typed, with the error.
    visitor = new_page()
    visitor.goto("/challenges/")
    visitor.get_by_role("link", name=challenge.title).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(challenge.title)
    form = visitor.get_by_role("region", name="Voice a need")
    form.get_by_label(label("The need")).fill("Pills")
    form.get_by_label(label("Who voices it")).select_option(label="Family or informal carer")
    form.get_by_label(label("Organisation or place")).fill("Lizzano in Belvedere")
    form.get_by_role("button", name="Send the need").click()
    expect(form.get_by_text("Say the need in a sentence at least (10 characters).")).to_be_visible()
    expect(form.get_by_label(label("The need"))).to_have_value("Pills")
    expect(form.get_by_label(label("Who voices it"))).to_have_value("carer")
    expect(form.get_by_label(label("Organisation or place"))).to_have_value("Lizzano in Belvedere")
    form.get_by_label(label("The need")).fill(PUBLIC_NEED)
    form.get_by_role("button", name="Send the need").click()
    expect(alert(visitor)).to_contain_text("Thank you: your need is recorded.")
    voiced = visitor.get_by_role("region", name="Needs voiced so far")
    expect(voiced.get_by_role("listitem").filter(has_text=PUBLIC_NEED)).to_contain_text("Family or informal carer")
    expect(voiced).not_to_contain_text("Lizzano")  # who voiced a need is for the staff only
    screenshot(visitor, "challenge-voice")

    # The staff enter a workshop need, group the needs and edit the themes.
    sign_in(page, "staff", PASSWORD)
    page.goto("/c/alpha/")
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Challenges").click()
    page.get_by_role("link", name=challenge.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(challenge.title)
    workshop = page.get_by_role("region", name="Enter a need voiced at a workshop")
    workshop.get_by_label(label("The need")).fill(WORKSHOP_NEED)
    workshop.get_by_label(label("Who voices it")).select_option(label="Pharmacist")
    workshop.get_by_label(label("Organisation or place")).fill("Farmacia di Porretta")
    workshop.get_by_role("button", name="Add the need").click()
    expect(alert(page)).to_contain_text("The need is recorded.")
    ungrouped = page.get_by_role("region", name=re.compile("^Needs"))
    expect(ungrouped).to_contain_text(WORKSHOP_NEED)
    expect(ungrouped).to_contain_text("Farmacia di Porretta")  # the staff see who voiced it
    expect(ungrouped).to_contain_text("Lizzano in Belvedere")

    page.get_by_role("button", name="Group the needs").click()
    expect(alert(page)).to_contain_text("The needs are grouped into 4 themes.")
    # The engine names the themes; the two needs about medicines make a theme of their own.
    heart, diabetes, falls = (theme_of(needs[topic][0]) for topic in ("heart", "diabetes", "falls"))
    medicines = theme_of(Need.objects.get(text=PUBLIC_NEED))
    assert theme_of(Need.objects.get(text=WORKSHOP_NEED)) == medicines
    assert len({heart, diabetes, falls, medicines}) == 4
    themes = page.get_by_role("region", name="Themes", exact=True)
    for name in (heart, diabetes, falls, medicines):
        expect(theme_card(page, name)).to_be_visible()
    expect(theme_card(page, medicines)).to_contain_text(PUBLIC_NEED)
    expect(theme_card(page, heart)).to_contain_text(needs["heart"][0].text)
    screenshot(page, "challenge-grouped")

    card = theme_card(page, medicines)
    card.get_by_label("New name (empty: the computed one)").fill("Medicines taken right at home")
    card.get_by_role("button", name="Rename").click()
    medicines = "Medicines taken right at home"
    expect(alert(page)).to_contain_text(f"The theme is now called “{medicines}”.")
    expect(theme_card(page, medicines)).to_contain_text("named by staff")

    card = theme_card(page, heart)
    card.get_by_role("combobox", name="Merge with").select_option(label=diabetes)
    card.get_by_role("button", name="Merge with").click()
    merged = theme_of(needs["heart"][0])
    assert theme_of(needs["diabetes"][0]) == merged
    expect(alert(page)).to_contain_text(f"The themes are merged into “{merged}”.")
    expect(theme_card(page, merged)).to_contain_text("6 needs")
    expect(themes.get_by_role("region")).to_have_count(3)
    theme_card(page, merged).get_by_role("button", name="Split in two").click()
    heart, diabetes = theme_of(needs["heart"][0]), theme_of(needs["diabetes"][0])
    assert heart != diabetes
    expect(alert(page)).to_contain_text("The theme is split into")
    expect(themes.get_by_role("region")).to_have_count(4)
    expect(theme_card(page, heart)).to_contain_text("3 needs")
    expect(theme_card(page, diabetes)).to_contain_text("3 needs")
    expect(theme_card(page, medicines)).to_be_visible()  # the staff's name is kept

    page.get_by_role("button", name="Move to: Voting on priorities").click()
    expect(alert(page)).to_contain_text("The challenge is now at the stage: Voting on priorities.")
    expect(page.get_by_role("button", name="Group the needs")).to_have_count(0)  # the themes are settled

    # A visitor votes: four themes are too many; three are recorded; voting again replaces the ballot.
    voter = new_page()
    voter.goto(f"/challenges/{challenge.pk}/")
    ballot = voter.get_by_role("region", name="Vote the priorities")
    for name in (heart, diabetes, falls, medicines):
        ballot.get_by_label(name, exact=True).check()
    ballot.get_by_role("button", name="Vote").click()
    expect(alert(voter)).to_contain_text("Choose at most 3 themes.")
    assert not Vote.objects.exists()
    ballot.get_by_label(heart, exact=True).check()
    ballot.get_by_label(diabetes, exact=True).check()
    ballot.get_by_label(falls, exact=True).check()
    ballot.get_by_role("button", name="Vote").click()
    expect(alert(voter)).to_contain_text("Your vote is recorded.")
    expect(ballot).to_contain_text("Your ballot is recorded; the themes you chose are ticked.")
    for name in (heart, diabetes, falls):
        expect(ballot.get_by_label(name, exact=True)).to_be_checked()
    expect(ballot.get_by_label(medicines, exact=True)).not_to_be_checked()
    screenshot(voter, "challenge-ballot")

    ballot.get_by_label(diabetes, exact=True).uncheck()
    ballot.get_by_label(falls, exact=True).uncheck()
    ballot.get_by_label(medicines, exact=True).check()
    ballot.get_by_role("button", name="Change my vote").click()
    expect(alert(voter)).to_contain_text("Your vote is recorded.")
    for name in (heart, medicines):
        expect(ballot.get_by_label(name, exact=True)).to_be_checked()
    for name in (diabetes, falls):
        expect(ballot.get_by_label(name, exact=True)).not_to_be_checked()
    assert sorted(Vote.objects.values_list("theme__label", flat=True)) == sorted([heart, medicines])

    # The staff see the priorities voted.
    page.reload()
    priorities = page.get_by_role("table", name="Themes by votes")
    for name, votes, share in ((heart, "1", "100 %"), (medicines, "1", "100 %"), (falls, "0", "0 %")):
        cells = priorities.get_by_role("row").filter(has_text=name).get_by_role("cell")
        expect(cells.nth(2)).to_have_text(votes)
        expect(cells.nth(3)).to_have_text(share)


@pytest.fixture
def voting(challenge, needs, staff, org_a, hospital_a, university_a):
    """The challenge of the fixture, its needs grouped into three themes, at the vote; the matching index built
    (members are suggested the themes that fit them through it)."""
    services.group_needs(viewer_for(staff), challenge)
    services.move(viewer_for(staff), challenge, Challenge.Stage.VOTING)
    rebuild_index()
    return challenge


def test_a_member_answers_a_theme_and_the_staff_turn_it_into_an_activity(page, new_page, staff, member, voting,
                                                                         needs):
    sign_in(page, "staff", PASSWORD)
    page.goto(f"/c/alpha/challenges/{voting.pk}/")
    page.get_by_role("button", name="Move to: Collecting solutions").click()
    expect(alert(page)).to_contain_text("The challenge is now at the stage: Collecting solutions.")

    # The member is suggested the heart failure theme (telemonitoring, their competence), first, and answers it.
    heart, diabetes = theme_of(needs["heart"][0]), theme_of(needs["diabetes"][0])
    answering = new_page()
    sign_in(answering, "member", PASSWORD)
    answering.goto("/challenges/")
    answering.get_by_role("link", name=voting.title).click()
    themes = answering.get_by_role("region", name="Themes", exact=True)
    expect(themes.get_by_role("region").first).to_have_accessible_name(re.compile(rf"^{re.escape(heart)}"))
    suggested = theme_card(answering, heart)
    expect(suggested).to_contain_text("Suggested for you")
    expect(suggested).to_contain_text("Why:")
    expect(theme_card(answering, diabetes)).not_to_contain_text("Suggested for you")
    screenshot(answering, "challenge-suggested")
    suggested.get_by_role("link", name="Propose a solution").click()
    expect(answering.get_by_role("heading", level=1)).to_have_text(f"Your solution to “{heart}”")
    expect(answering.get_by_text("On behalf of MedSense Srl")).to_be_visible()
    answering.get_by_label(label("Title")).fill("Wearable patch for heart failure at home")
    answering.get_by_label(label("How it answers the theme")).fill(
        "A patch records the ECG and sends it to the GP, who is warned when the heart failure worsens.")
    answering.get_by_role("button", name="Send the solution").click()
    expect(alert(answering)).to_contain_text(f"Your solution to “{heart}” is saved.")
    own = answering.get_by_role("region", name="Your solutions")
    expect(own).to_contain_text("Wearable patch for heart failure at home")
    expect(own).to_contain_text("Submitted")

    # The staff shortlist it and turn the theme into a project idea with the consortium builder.
    page.reload()
    card = theme_card(page, heart)
    expect(card).to_contain_text("Wearable patch for heart failure at home")
    card.get_by_role("button", name="Shortlist").click()
    expect(alert(page)).to_contain_text("The solution of MedSense Srl is now: Shortlisted.")
    theme_card(page, heart).get_by_role("link", name="Turn into an activity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"“{heart}” as a transformative activity")
    expect(page.get_by_text("Always in (shortlisted solutions): MedSense Srl")).to_be_visible()
    page.get_by_role("button", name="Build").click()
    alternatives = page.get_by_role("region", name=re.compile(r"^Alternative \d"))
    expect(alternatives.first).to_be_visible()
    best = page.get_by_role("region", name=re.compile(r"^Alternative 1"))
    expect(best).to_contain_text("MedSense Srl")
    expect(best).to_contain_text("shortlisted")
    chosen = [re.sub(r"\s*\(.*", "", text) for text in best.locator("ol > li").all_inner_texts()]
    assert "MedSense Srl" in chosen and len(chosen) >= 3
    screenshot(page, "challenge-builder")
    best.get_by_label("Acronym of the project idea").fill("TELECARE")
    best.get_by_role("button", name="Create the project idea").click()

    expect(alert(page)).to_contain_text("The project idea TELECARE is created with its partners.")
    partners = page.locator("#partners")
    for name in chosen:
        expect(partners).to_contain_text(name)
    page.goto(f"/c/alpha/challenges/{voting.pk}/")
    expect(theme_card(page, heart)).to_contain_text("Transformative activity: TELECARE")
