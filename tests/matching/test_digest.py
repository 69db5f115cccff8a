"""The weekly digest: opt-in, the recipient's language, RFC 8058 unsubscribe, visibility, no double send, the command
and the switch on the account page. Real database, real index, Django's test mail outbox."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail, signing
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filiera.core.access import viewer_for
from filiera.directory import services
from filiera.directory.models import Opportunity, Visibility
from filiera.matching import digest, tasks
from filiera.matching.models import DigestSubscription

# The project mounts digest_urls under /digest/ (src/filiera/urls.py); until it does, the tests mount it themselves.
SITE = "https://filiera.example"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE + "/"  # a trailing slash must not double in the links


@pytest.fixture
def danish_offer(org_b, cluster_b, concept):
    """A public offer of another cluster that matches org_a's telemonitoring profile."""
    opportunity = Opportunity.objects.create(
        organisation=org_b, cluster=cluster_b, type=Opportunity.Type.TECHNOLOGY_OFFER, language="da",
        title="Telemonitorering af kroniske patienter i eget hjem",
        summary="Sensorer og platform til telemonitorering af kroniske patienter efter udskrivelse.",
        visibility=Visibility.PUBLIC,
    )
    opportunity.concepts.add(concept)
    return opportunity


@pytest.fixture
def danish_private_offer(org_b, cluster_b, concept):
    opportunity = Opportunity.objects.create(
        organisation=org_b, cluster=cluster_b, type=Opportunity.Type.TECHNOLOGY_OFFER, language="da",
        title="Fortrolig telemonitorering til plejehjem",
        summary="Telemonitorering af kroniske patienter på plejehjem, kun for vores klynge.",
        visibility=Visibility.PRIVATE,
    )
    opportunity.concepts.add(concept)
    return opportunity


@pytest.fixture
def italian_member(member):
    member.language = "it"
    member.save(update_fields=["language"])
    return member


def sent_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def titles(sections) -> list[str]:
    return [item.opportunity.title for section in sections for item in section.items]


def test_no_subscription_no_email(reindex, member, danish_offer):
    reindex()
    report = digest.send_weekly_digests()
    assert report.subscribers == 0 and report.sent == 0
    assert mail.outbox == []

    digest.subscribe(member)
    assert digest.send_weekly_digests().sent == 1
    assert len(sent_to(member)) == 1


def test_the_email_speaks_the_members_language(reindex, italian_member, danish_offer, opportunity_a):
    reindex()
    digest.subscribe(italian_member)
    digest.send_weekly_digests()
    [message] = sent_to(italian_member)
    html = message.alternatives[0][0]
    for body in (message.body, html):
        # Django's and the vocabulary's Italian: the country, the concept label and "Country".
        assert "Danimarca" in body and "Telemonitoraggio" in body and "Paese" in body
        assert "Denmark" not in body and "Telemonitoring" not in body
        assert danish_offer.title in body and danish_offer.organisation.name in body
        assert f"{SITE}/opportunities/{danish_offer.pk}/" in body
        assert opportunity_a.title not in body  # the member's own organisation's post
    assert message.alternatives[0][1] == "text/html" and '<html lang="it">' in html


def test_an_english_member_gets_english(reindex, member, danish_offer):
    reindex()
    digest.subscribe(member)
    digest.send_weekly_digests()
    [message] = sent_to(member)
    assert message.subject == "1 new opportunity matches your organisation"
    assert "Denmark" in message.body and "Telemonitoring" in message.body and "Country" in message.body


def test_rfc8058_headers(reindex, member, danish_offer):
    reindex()
    digest.subscribe(member)
    digest.send_weekly_digests()
    [message] = sent_to(member)
    link = f"{SITE}/digest/unsubscribe/{digest.unsubscribe_token(member)}/"
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body and link in message.alternatives[0][0]
    raw = message.message().as_string()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_unsubscribe_by_get_then_post(member):
    digest.subscribe(member)
    url = reverse("digest:unsubscribe", args=[digest.unsubscribe_token(member)])
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url)
    assert page.status_code == 200
    assert b'method="post"' in page.content and b"Stop the weekly digest" in page.content
    assert digest.is_subscribed(member)  # asking is not unsubscribing: link scanners follow GETs

    done = browser.post(url)
    assert done.status_code == 200 and b"will no longer be sent" in done.content
    subscription = DigestSubscription.objects.get(user=member)
    assert not subscription.active and subscription.unsubscribed_at is not None
    assert b"is not sent to" in browser.get(url).content


def test_one_click_post_from_a_mail_client(member):
    digest.subscribe(member)
    url = reverse("digest:unsubscribe", args=[digest.unsubscribe_token(member)])
    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not digest.is_subscribed(member)


def test_a_tampered_token_is_a_404(member, outsider_member):
    digest.subscribe(member)
    token = digest.unsubscribe_token(member)
    forged = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        str(outsider_member.pk) + token[token.index(":"):],  # another user's id with this user's signature
        signing.Signer().sign(str(member.pk)),  # signed without the digest's salt
        "nonsense",
    ]
    for bad in forged:
        url = reverse("digest:unsubscribe", args=[bad])
        assert Client().get(url).status_code == 404
        assert Client().post(url).status_code == 404
    assert digest.is_subscribed(member)
    assert digest.user_for_token(token) == member


def test_a_private_opportunity_of_another_cluster_never_appears(reindex, member, danish_offer,
                                                                 danish_private_offer, opportunity_a):
    reindex()
    digest.subscribe(member)
    listed = titles(digest.build_digest(member, timezone.now()))
    assert listed == [danish_offer.title]
    digest.send_weekly_digests()
    [message] = sent_to(member)
    assert danish_private_offer.title not in message.body
    assert danish_private_offer.title not in message.alternatives[0][0]


def test_only_opportunities_of_the_last_week(reindex, member, danish_offer):
    reindex()
    now = timezone.now()
    Opportunity.objects.filter(pk=danish_offer.pk).update(published_at=now - datetime.timedelta(days=8))
    assert digest.build_digest(member, now) == []


def test_a_draft_published_long_after_it_was_written_is_new(reindex, member, outsider_member, org_b, cluster_b,
                                                            concept):
    draft = Opportunity.objects.create(
        organisation=org_b, cluster=cluster_b, type=Opportunity.Type.TECHNOLOGY_OFFER, language="en",
        title="Home telemonitoring platform", summary="Telemonitoring of chronic patients at home.",
        status=Opportunity.Status.DRAFT,
    )
    draft.concepts.add(concept)
    Opportunity.objects.filter(pk=draft.pk).update(created_at=timezone.now() - datetime.timedelta(weeks=3))
    services.save_opportunity(viewer_for(outsider_member), org_b, {"status": Opportunity.Status.PUBLISHED},
                              opportunity=Opportunity.objects.get(pk=draft.pk))
    reindex()
    tomorrow = timezone.now() + datetime.timedelta(days=1)  # the digest runs the day after the publication
    assert titles(digest.build_digest(member, tomorrow)) == [draft.title]


def test_an_old_opportunity_edited_recently_is_not_new(reindex, member, outsider_member, danish_offer):
    three_weeks_ago = timezone.now() - datetime.timedelta(weeks=3)
    Opportunity.objects.filter(pk=danish_offer.pk).update(created_at=three_weeks_ago, published_at=three_weeks_ago)
    services.save_opportunity(viewer_for(outsider_member), danish_offer.organisation,
                              {"summary": "Sensorer, platform og support døgnet rundt.", "status": "published"},
                              opportunity=Opportunity.objects.get(pk=danish_offer.pk))
    reindex()
    edited = Opportunity.objects.get(pk=danish_offer.pk)
    assert edited.updated_at > three_weeks_ago + datetime.timedelta(weeks=2)
    assert edited.published_at == three_weeks_ago
    assert digest.build_digest(member, timezone.now() + datetime.timedelta(days=1)) == []


def test_no_double_send_within_six_days(reindex, member, danish_offer, org_b, cluster_b, concept):
    reindex()
    digest.subscribe(member)
    now = timezone.now()
    assert digest.send_weekly_digests(now=now).sent == 1
    assert DigestSubscription.objects.get(user=member).last_sent_at == now

    later = digest.send_weekly_digests(now=now + datetime.timedelta(days=5, hours=23))
    assert (later.sent, later.skipped_recent) == (0, 1)
    assert len(sent_to(member)) == 1

    # A week on, only what was published since the last digest is sent.
    newer = Opportunity.objects.create(
        organisation=org_b, cluster=cluster_b, type=Opportunity.Type.TECHNOLOGY_OFFER, language="en",
        title="Remote patient monitoring kit", summary="Telemonitoring of chronic patients at home.",
    )
    newer.concepts.add(concept)
    reindex()
    week = now + datetime.timedelta(days=7)
    Opportunity.objects.filter(pk=newer.pk).update(published_at=now + datetime.timedelta(days=1))
    assert titles(digest.build_digest(member, week)) == [newer.title]
    assert digest.send_weekly_digests(now=week).sent == 1
    assert len(sent_to(member)) == 2


def test_nothing_new_sends_nothing(reindex, member, opportunity_a):
    reindex()
    digest.subscribe(member)
    report = digest.send_weekly_digests()
    assert (report.subscribers, report.sent, report.skipped_empty) == (1, 0, 1)
    assert mail.outbox == []
    assert DigestSubscription.objects.get(user=member).last_sent_at is None


def test_the_command_dry_run_sends_nothing(reindex, member, danish_offer):
    reindex()
    digest.subscribe(member)
    out = StringIO()
    call_command("digest", "--dry-run", "--now", timezone.localtime().replace(tzinfo=None).isoformat(), stdout=out)
    assert "subscribers 1, would send 1" in out.getvalue()
    assert mail.outbox == []
    assert DigestSubscription.objects.get(user=member).last_sent_at is None

    call_command("digest", stdout=out)
    assert "sent 1" in out.getvalue() and len(mail.outbox) == 1
    with pytest.raises(CommandError):
        call_command("digest", "--now", "next monday")


def test_the_periodic_task_runs_on_the_configured_weekday(settings):
    # Default: Monday (0) at 7:00. Huey counts Sunday as 0, so the task must fire on a Monday, not a Tuesday.
    task = tasks.send_weekly_digests.s()
    monday = datetime.datetime(2025, 3, 3, settings.MATCHING_DIGEST_HOUR, 0)
    assert settings.MATCHING_DIGEST_WEEKDAY == monday.weekday() == 0
    assert task.validate_datetime(monday)
    assert not task.validate_datetime(monday + datetime.timedelta(days=1))
    assert not task.validate_datetime(monday + datetime.timedelta(hours=1))


def test_the_account_page_switches_the_digest(as_user, member):
    client = as_user(member)
    page = client.get("/accounts/")
    assert b'name="action" value="digest"' in page.content
    assert b"checked" not in page.content.split(b'id="account-digest"')[1].split(b">")[0]

    response = client.post("/accounts/", {"action": "digest", "digest": "on"})
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert digest.is_subscribed(member)
    assert b"checked" in client.get("/accounts/").content.split(b'id="account-digest"')[1].split(b">")[0]

    client.post("/accounts/", {"action": "digest"})
    subscription = DigestSubscription.objects.get(user=member)
    assert not subscription.active and subscription.unsubscribed_at is not None


def test_the_account_toggle_is_for_representatives_only(as_user, staff):
    client = as_user(staff)
    assert b'value="digest"' not in client.get("/accounts/").content
    client.post("/accounts/", {"action": "digest", "digest": "on"})
    assert not DigestSubscription.objects.filter(user=staff).exists()


def test_a_visitor_is_sent_to_sign_in(as_user, db):
    response = as_user(None).post("/accounts/", {"action": "digest", "digest": "on"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not DigestSubscription.objects.exists()
