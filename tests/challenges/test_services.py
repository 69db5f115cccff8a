"""The challenge use cases on the real database: stages, needs from the public form and from staff, themes grouped,
merged, split, renamed and completed by staff, the vote, solutions from members, shortlisting, and a theme turned
into a project idea with a consortium; and who may do each."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from filiera.challenges import services
from filiera.challenges.models import Challenge, Invitation, Need, Solution, Theme, Vote
from filiera.core.access import viewer_for
from filiera.core.audit import history
from filiera.directory.models import Membership, Opportunity, Organisation
from filiera.matching.engine.embeddings import Embedder
from filiera.projects.models import Project

pytestmark = pytest.mark.django_db


def grouped(challenge) -> list[set[int]]:
    return [set(theme.needs.values_list("pk", flat=True)) for theme in challenge.themes.all()]


def ids(needs) -> set[int]:
    return {need.pk for need in needs}


@pytest.fixture
def themed(challenge, needs, staff):
    services.group_needs(viewer_for(staff), challenge)
    return challenge


def test_the_needs_fall_into_their_three_themes_with_labels_from_their_concepts(themed, needs):
    assert sorted(grouped(themed), key=min) == [ids(needs["heart"]), ids(needs["falls"]), ids(needs["diabetes"])]
    labels = {theme.label for theme in themed.themes.all()}
    assert any("Heart failure" in label or "Telemonitoring" in label for label in labels)
    assert any("Falls" in label for label in labels)
    assert any("Diabetes" in label for label in labels)
    assert [t.position for t in themed.themes.all()] == [0, 1, 2]


def test_only_the_clusters_staff_manage_a_challenge(challenge, needs, member, outsider, observer):
    for user in (member, outsider, observer):
        with pytest.raises(PermissionDenied):
            services.group_needs(viewer_for(user), challenge)
        with pytest.raises(PermissionDenied):
            services.enter_need(viewer_for(user), challenge, {"text": "A need voiced at the workshop.",
                                                              "actor": "gp"})
        with pytest.raises(PermissionDenied):
            services.move(viewer_for(user), challenge, Challenge.Stage.VOTING)
        with pytest.raises(PermissionDenied):
            services.save_challenge(viewer_for(user), challenge.cluster, {"title": "x", "statement": "y"})


def test_drafts_are_seen_by_their_staff_only(challenge, staff, outsider, member, admin):
    challenge.stage = Challenge.Stage.DRAFT
    challenge.save()
    assert list(services.visible_challenges(viewer_for(staff))) == [challenge]
    assert list(services.visible_challenges(viewer_for(admin))) == [challenge]
    assert not services.visible_challenges(viewer_for(outsider)).exists()
    assert not services.visible_challenges(viewer_for(member)).exists()
    assert not services.visible_challenges(viewer_for(None)).exists()
    services.move(viewer_for(staff), challenge, Challenge.Stage.NEEDS)
    assert list(services.visible_challenges(viewer_for(None))) == [challenge]


def test_the_public_form_takes_needs_only_while_the_challenge_collects_them(challenge):
    need = services.voice_need(challenge, {"text": "  Il telemonitoraggio  a casa per lo scompenso. ",
                                           "actor": "gp", "voiced_by": "Casa della salute di Vergato"})
    assert need.text == "Il telemonitoraggio a casa per lo scompenso."
    assert need.language == "it"  # detected
    assert need.source == Need.Source.FORM
    challenge.opens_on = datetime.date(2030, 1, 1)
    challenge.save()
    with pytest.raises(ValidationError):
        services.voice_need(challenge, {"text": "A need voiced too early.", "actor": "gp"})
    assert services.voice_need(challenge, {"text": "A need voiced on the opening day.", "actor": "gp"},
                               today=datetime.date(2030, 1, 1)).pk
    challenge.stage = Challenge.Stage.VOTING
    challenge.save()
    with pytest.raises(ValidationError):
        services.voice_need(challenge, {"text": "A need voiced during the vote.", "actor": "gp"},
                            today=datetime.date(2030, 1, 2))


def test_a_need_says_what_is_wrong_with_it(challenge):
    with pytest.raises(ValidationError) as error:
        services.voice_need(challenge, {"text": "short", "actor": "astronaut"})
    assert set(error.value.message_dict) == {"text", "actor"}
    with pytest.raises(ValidationError) as error:
        services.voice_need(challenge, {"text": "x" * 2001, "actor": "gp"})
    assert "2,000" in error.value.message_dict["text"][0]
    assert not challenge.needs.exists()


def test_staff_enter_workshop_needs_and_it_is_audited(challenge, staff):
    need = services.enter_need(viewer_for(staff), challenge, {"text": "Social workers need a shared care plan.",
                                                              "actor": "social_worker", "language": "en"},
                               user=staff)
    assert need.source == Need.Source.WORKSHOP and need.entered_by == staff
    assert history("challenges.need", need.pk).filter(action="create").exists()


def test_merge_split_rename_and_place(themed, needs, staff):
    viewer = viewer_for(staff)
    heart, falls, diabetes = (Theme.objects.get(needs=needs[name][0]) for name in ("heart", "falls", "diabetes"))
    merged = services.merge_themes(viewer, heart, falls)
    assert set(merged.needs.values_list("pk", flat=True)) == ids(needs["heart"]) | ids(needs["falls"])
    assert themed.themes.count() == 2
    halves = services.split_theme(viewer, merged)
    assert sorted(grouped(themed), key=min) == [ids(needs["heart"]), ids(needs["falls"]), ids(needs["diabetes"])]
    assert len(halves) == 2
    diabetes.refresh_from_db()
    renamed = services.rename_theme(viewer, diabetes, "  Diabetes far from the clinic ")
    assert renamed.label == "Diabetes far from the clinic" and renamed.named
    computed = services.rename_theme(viewer, renamed, "")
    assert not computed.named and "Diabetes" in computed.label
    # A need placed in another theme, then out of every theme; a theme left empty goes.
    stray = needs["diabetes"][0]
    services.place_need(viewer, stray, Theme.objects.get(needs=needs["heart"][0]))
    assert Theme.objects.get(needs=needs["heart"][0]).needs.count() == 4
    services.place_need(viewer, Need.objects.get(pk=stray.pk), None)
    assert Need.objects.get(pk=stray.pk).theme is None
    for need in needs["falls"]:
        services.place_need(viewer, Need.objects.get(pk=need.pk), None)
    assert themed.themes.count() == 2


def test_the_themes_are_settled_once_the_vote_opens(themed, needs, staff):
    viewer = viewer_for(staff)
    services.move(viewer, themed, Challenge.Stage.VOTING)
    first, second = themed.themes.all()[:2]
    for change in (lambda: services.merge_themes(viewer, first, second), lambda: services.split_theme(viewer, first),
                   lambda: services.group_needs(viewer, themed),
                   lambda: services.place_need(viewer, needs["heart"][0], None),
                   lambda: services.remove_need(viewer, needs["heart"][0])):
        with pytest.raises(ValidationError):
            change()
    assert services.rename_theme(viewer, first, "Renamed during the vote").label == "Renamed during the vote"


def test_stages_move_one_at_a_time_and_the_vote_needs_themes(challenge, needs, staff):
    viewer = viewer_for(staff)
    with pytest.raises(ValidationError):
        services.move(viewer, challenge, Challenge.Stage.SOLUTIONS)
    with pytest.raises(ValidationError):
        services.move(viewer, challenge, Challenge.Stage.VOTING)  # no themes yet
    services.group_needs(viewer, challenge)
    services.move(viewer, challenge, Challenge.Stage.VOTING)
    services.move(viewer, challenge, Challenge.Stage.NEEDS)
    assert challenge.stage == Challenge.Stage.NEEDS


def test_votes_a_ballot_of_at_most_three_themes_replaced_when_voting_again(themed, staff, member, needs):
    services.move(viewer_for(staff), themed, Challenge.Stage.VOTING)
    heart, falls, diabetes = (Theme.objects.get(needs=needs[name][0]) for name in ("heart", "falls", "diabetes"))
    alice = services.voter_key(member.pk, None, themed)
    browser = services.voter_key(None, "session-key-1", themed)
    assert browser.startswith("browser:") and "session-key-1" not in browser
    services.cast_ballot(themed, alice, [heart.pk, falls.pk])
    services.cast_ballot(themed, browser, [heart.pk])
    services.cast_ballot(themed, alice, [heart.pk, diabetes.pk])  # again: replaces
    assert services.ballot(themed, alice) == {heart.pk, diabetes.pk}
    ranking = services.priorities(themed)
    assert [(p.theme.pk, p.votes, p.rank) for p in ranking] == [(heart.pk, 2, 1), (diabetes.pk, 1, 2),
                                                                (falls.pk, 0, 3)]
    assert ranking[0].share == 1.0
    with pytest.raises(ValidationError):
        services.cast_ballot(themed, alice, [])
    other = Theme.objects.create(challenge=Challenge.objects.create(cluster=themed.cluster, title="x",
                                                                    statement="y"), label="Other")
    with pytest.raises(ValidationError):
        services.cast_ballot(themed, alice, [other.pk])
    themed.open_voting = False
    themed.save()
    with pytest.raises(PermissionDenied):
        services.voter_key(None, "session-key-2", themed)
    assert Vote.objects.filter(challenge=themed).count() == 3


def test_four_themes_are_too_many_for_one_ballot(themed, staff, needs):
    services.split_theme(viewer_for(staff), Theme.objects.get(needs=needs["heart"][0]))
    services.move(viewer_for(staff), themed, Challenge.Stage.VOTING)
    with pytest.raises(ValidationError):
        services.cast_ballot(themed, "user:1", list(themed.themes.values_list("pk", flat=True)))


@pytest.fixture
def answering(themed, staff):
    viewer = viewer_for(staff)
    services.move(viewer, themed, Challenge.Stage.VOTING)
    services.move(viewer, themed, Challenge.Stage.SOLUTIONS)
    return themed


def test_members_answer_themes_one_solution_each_seen_by_staff_and_themselves(answering, needs, member, org_a,
                                                                              outsider_member, org_b, staff,
                                                                              opportunity_a):
    heart = Theme.objects.get(needs=needs["heart"][0])
    solution = services.submit_solution(viewer_for(member), heart, org_a, {
        "title": "Wearable ECG patch", "description": "Our patch sends the ECG to the GP every hour.",
        "opportunity": opportunity_a}, user=member)
    again = services.submit_solution(viewer_for(member), heart, org_a, {
        "title": "Wearable ECG patch v2", "description": "Now with a fall sensor."}, user=member)
    assert again.pk == solution.pk and again.title == "Wearable ECG patch v2"
    assert list(services.visible_solutions(viewer_for(staff), answering)) == [again]
    assert list(services.visible_solutions(viewer_for(member), answering)) == [again]
    assert not services.visible_solutions(viewer_for(outsider_member), answering).exists()
    # org_b is a member of another cluster, in no network of cluster_a's: it may not answer.
    with pytest.raises(ValidationError):
        services.submit_solution(viewer_for(outsider_member), heart, org_b, {"title": "x", "description": "y"})
    with pytest.raises(PermissionDenied):
        services.submit_solution(viewer_for(outsider_member), heart, org_a, {"title": "x", "description": "y"})
    foreign = Opportunity.objects.create(organisation=org_b, type=Opportunity.Type.TECHNOLOGY_OFFER, title="Robot",
                                         summary="A robot", language="da")
    with pytest.raises(ValidationError):
        services.submit_solution(viewer_for(member), heart, org_a, {"title": "x", "description": "y",
                                                                    "opportunity": foreign})
    assert history("challenges.solution", solution.pk).count() >= 2


def test_solutions_are_taken_only_until_the_closing_day(answering, needs, member, org_a):
    answering.closes_on = datetime.date(2026, 6, 30)
    answering.save()
    heart = Theme.objects.get(needs=needs["heart"][0])
    data = {"title": "Patch", "description": "An ECG patch."}
    assert services.submit_solution(viewer_for(member), heart, org_a, data, today=datetime.date(2026, 6, 30)).pk
    with pytest.raises(ValidationError):
        services.submit_solution(viewer_for(member), heart, org_a, data, today=datetime.date(2026, 7, 1))


def test_staff_shortlist_and_turn_a_theme_into_a_project_idea_with_a_consortium(answering, needs, member, org_a,
                                                                                 staff, hospital, outsider):
    heart = Theme.objects.get(needs=needs["heart"][0])
    solution = services.submit_solution(viewer_for(member), heart, org_a, {
        "title": "Wearable ECG patch", "description": "Telemonitoring of heart failure at home."}, user=member)
    with pytest.raises(PermissionDenied):
        services.set_status(viewer_for(outsider), solution, Solution.Status.SHORTLISTED)
    services.set_status(viewer_for(staff), solution, Solution.Status.SHORTLISTED)
    university = Organisation.objects.create(slug="unibo", name="Università di Bologna", kind="university",
                                             country="IT")
    Membership.objects.create(organisation=university, cluster=answering.cluster, status=Membership.Status.ACTIVE)
    alternatives = services.build_consortia(viewer_for(staff), heart, min_size=2, max_size=3)
    assert alternatives and all(org_a in alt.organisations for alt in alternatives)
    with pytest.raises(PermissionDenied):
        services.build_consortia(viewer_for(outsider), heart)
    chosen = alternatives[0].organisations
    project = services.save_activity(viewer_for(staff), heart, chosen, acronym="HEART-HOME", coordinator=hospital
                                     if hospital in chosen else None, user=staff)
    assert project.status == Project.Status.IDEA and project.cluster == answering.cluster
    assert set(project.partners.values_list("organisation_id", flat=True)) == {o.pk for o in chosen}
    assert "Wearable ECG patch" in project.summary and answering.statement in project.summary
    heart.refresh_from_db()
    assert heart.activity == project
    with pytest.raises(ValidationError):
        services.save_activity(viewer_for(staff), heart, chosen, acronym="AGAIN")


def test_a_theme_becomes_an_activity_only_once_solutions_are_collected(themed, needs, staff):
    heart = Theme.objects.get(needs=needs["heart"][0])
    with pytest.raises(ValidationError):
        services.build_consortia(viewer_for(staff), heart)


class CountingEmbedder(Embedder):
    """A dense backend of three features that counts the texts it encodes."""

    def __init__(self):
        super().__init__(name="counting", dim=3)
        self.encoded = 0

    def passages(self, texts):
        self.encoded += len(texts)
        return [np.array([len(t), t.count("e"), 1.0], dtype=np.float32) for t in texts]


def test_the_concept_vectors_are_computed_once_and_kept_on_disk(vocabulary, settings, tmp_path):
    from filiera.challenges import themes
    from filiera.matching import store

    settings.VAR_DIR = tmp_path
    tagger, embedder = store.index_store.tagger(), CountingEmbedder()
    services._with_concept_vectors(tagger, embedder)
    slugs, computed = themes.concept_vectors(tagger, embedder)
    assert embedder.encoded == len(slugs) > 100
    assert len(list((tmp_path / "cache").glob("concept-vectors-*.bin"))) == 1
    themes._CONCEPT_VECTORS.clear()  # a new process
    services._with_concept_vectors(tagger, embedder)
    assert embedder.encoded == len(slugs)  # read, not computed
    _slugs, read = themes.concept_vectors(tagger, embedder)
    assert all(np.array_equal(a, b) for a, b in zip(computed, read, strict=True))
    themes._CONCEPT_VECTORS.clear()


def test_staff_invite_the_suggested_members_once_by_email_in_their_language(answering, needs, org_a, member, staff,
                                                                           outsider, mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    from filiera.directory.models import Person
    from filiera.matching.services import rebuild_index

    Person.objects.filter(user=member).update(language="it")
    rebuild_index()
    heart = Theme.objects.get(needs=needs["heart"][0])
    with pytest.raises(PermissionDenied):
        services.invite_solvers(viewer_for(outsider), answering)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.invite_solvers(viewer_for(staff), answering)
    invitation = Invitation.objects.get(challenge=answering, organisation=org_a)
    assert heart.pk in invitation.themes  # MedSense's telemonitoring sensors fit the heart failure theme
    assert report.organisations >= 1 and report.people >= 1 and report.already == 0
    # The hospital owning the challenge is a member without a representative: suggested or not, it is not mailed.
    assert not Invitation.objects.filter(organisation__slug="ausl-appennino").exists()
    sent = [m for m in mailoutbox if m.to == ["member@example.org"]]
    assert len(sent) == 1
    assert answering.title in sent[0].subject and "Gentile Member" in sent[0].body  # Italian: the person's language
    assert heart.label in sent[0].body and f"/challenges/{answering.pk}/" in sent[0].body
    assert history("challenges.invitation", invitation.pk).filter(action="create").exists()
    # Again: nobody new is suggested, nobody is mailed twice.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.invite_solvers(viewer_for(staff), answering)
    assert again.organisations == 0 and again.already == report.organisations and not mailoutbox


def test_members_are_invited_only_while_solutions_are_taken(themed, staff):
    with pytest.raises(ValidationError):
        services.invite_solvers(viewer_for(staff), themed)
