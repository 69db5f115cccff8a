"""Use cases of the directory: everything that changes organisations, memberships, people and opportunities.

Each function takes the acting `Viewer` (see filiera.core.access), checks it may act, and changes the data in one
transaction. Views, the API and commands call these; they never save directory models themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from filiera.core.access import Viewer, live_statuses
from filiera.core.models import Cluster, Concept, ValueChain
from filiera.core.services import assign
from filiera.directory.models import Membership, Opportunity, Organisation, Person
from filiera.privacy.models import ConsentRecord
from filiera.privacy.services import consent_source, record_consents

ORGANISATION_FIELDS = (
    "ref", "name", "short_name", "kind", "is_sme", "country", "region", "city", "postcode", "website",
    "language", "languages_spoken", "description", "keywords", "visibility",
)
PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "job_title", "language", "is_representative")
OPPORTUNITY_FIELDS = (
    "type", "title", "summary", "body", "language", "stage", "expires_on", "visibility",
)


def unique_slug(model, text: str, exclude_pk=None) -> str:
    base = slugify(text)[:100] or "item"
    slug, n = base, 1
    taken = model.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    existing = set(taken.values_list("slug", flat=True))
    while slug in existing:
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- organisations ---------------------------------------------------------------------------------------------


def _new_organisation(data: dict, *, verified: bool = True) -> Organisation:
    """Validate and save a new organisation with a unique slug (an empty ref is stored as no ref)."""
    organisation = Organisation(verified=verified)
    assign(organisation, data, ORGANISATION_FIELDS)
    organisation.ref = organisation.ref or None
    organisation.slug = unique_slug(Organisation, organisation.short_name or organisation.name)
    organisation.full_clean(exclude=["slug"])
    organisation.save()
    return organisation


@transaction.atomic
def create_organisation(
    viewer: Viewer,
    data: dict,
    *,
    concepts: Iterable[Concept] | None = None,
    value_chains: Iterable[ValueChain] | None = None,
    cluster: Cluster | None = None,
) -> Organisation:
    """Create an organisation. Staff creating it inside their cluster also make it an active member."""
    if cluster is not None and not (viewer.is_admin or viewer.is_staff_of(cluster)):
        raise PermissionDenied
    if cluster is None and not viewer.is_admin:
        raise PermissionDenied
    organisation = _new_organisation(data)
    if concepts is not None:
        organisation.concepts.set(concepts)
    if value_chains is not None:
        organisation.value_chains.set(value_chains)
    if cluster is not None:
        Membership.objects.create(
            organisation=organisation, cluster=cluster, status=Membership.Status.ACTIVE, joined_on=timezone.localdate()
        )
    return organisation


@transaction.atomic
def update_organisation(
    viewer: Viewer,
    organisation: Organisation,
    data: dict,
    *,
    concepts: Iterable[Concept] | None = None,
    value_chains: Iterable[ValueChain] | None = None,
) -> Organisation:
    if not viewer.can_edit_organisation(organisation):
        raise PermissionDenied
    # Start from the stored row, locked: what an import or a colleague wrote since `organisation` was loaded is
    # kept (only the fields in `data` change), and the audit log names the values really replaced.
    stored = Organisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)
    assign(stored, data, ORGANISATION_FIELDS)
    if not stored.ref:
        stored.ref = None
    stored.full_clean()
    stored.save()
    if concepts is not None:
        stored.concepts.set(concepts)
    if value_chains is not None:
        stored.value_chains.set(value_chains)
    organisation.__dict__.update(stored.__dict__)  # the caller's instance shows what is now stored
    organisation.__dict__.pop("_prefetched_objects_cache", None)
    return organisation


# --- memberships -----------------------------------------------------------------------------------------------

# Which status a membership may move to from which: the staff's buttons follow this table.
TRANSITIONS: dict[str, set[str]] = {
    Membership.Status.APPLICANT: {Membership.Status.ACTIVE, Membership.Status.REJECTED},
    Membership.Status.ACTIVE: {Membership.Status.LAPSED, Membership.Status.LEFT},
    Membership.Status.LAPSED: {Membership.Status.ACTIVE, Membership.Status.LEFT},
    Membership.Status.LEFT: {Membership.Status.ACTIVE},
    Membership.Status.REJECTED: {Membership.Status.ACTIVE},
}


@transaction.atomic
def apply_for_membership(viewer: Viewer, organisation: Organisation, cluster: Cluster, message: str = "") -> Membership:
    """A representative applies for its organisation to join a cluster (or re-applies after leaving)."""
    if not (viewer.represents(organisation.pk) or viewer.is_admin):
        raise PermissionDenied
    membership = Membership.objects.filter(organisation=organisation, cluster=cluster).first()
    if membership is not None and membership.status in (Membership.Status.ACTIVE, Membership.Status.APPLICANT):
        raise ValidationError(_("%(org)s is already a member of or an applicant to %(cluster)s.")
                              % {"org": organisation, "cluster": cluster})
    if membership is None:
        membership = Membership(organisation=organisation, cluster=cluster)
    membership.status = Membership.Status.APPLICANT
    membership.applied_on = timezone.localdate()
    membership.application_message = message
    membership.ended_on = None
    membership.save()
    return membership


@transaction.atomic
def change_membership_status(
    viewer: Viewer, membership: Membership, status: str, *, on: date | None = None, note: str = ""
) -> Membership:
    """Approve, reject, lapse, end or reactivate a membership, as staff of its cluster."""
    if not viewer.is_staff_of(membership.cluster):
        raise PermissionDenied
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if status not in TRANSITIONS.get(membership.status, set()):
        raise ValidationError(
            _("A membership cannot go from %(old)s to %(new)s.")
            % {"old": membership.get_status_display(), "new": Membership.Status(status).label}
        )
    on = on or timezone.localdate()
    previous = membership.status
    membership.status = status
    if status == Membership.Status.ACTIVE:
        if membership.joined_on is None or previous in (Membership.Status.LEFT, Membership.Status.REJECTED):
            membership.joined_on = on
        membership.ended_on = None
        # A self-registered organisation is verified once a cluster's staff accept it.
        organisation = membership.organisation
        if not organisation.verified:
            organisation.verified = True
            organisation.save(update_fields=["verified"])
    elif status in (Membership.Status.LAPSED, Membership.Status.LEFT, Membership.Status.REJECTED):
        membership.ended_on = on
    if note:
        membership.notes = (membership.notes + "\n" if membership.notes else "") + f"{on:%Y-%m-%d}: {note}"
    membership.save()
    from filiera.directory.tasks import notify_membership_change

    transaction.on_commit(lambda: notify_membership_change(membership.pk))
    return membership


def self_managed_organisation_ids(organisation_ids: Iterable[int], cluster: Cluster) -> set[int]:
    """Of these organisations, those the cluster's staff may not enrol by themselves: organisations with a
    representative who signs in, or with a live membership in another cluster. Making one of them an active
    member would hand the staff the right to edit its profile and read its people, so they must apply."""
    ids = list(organisation_ids)
    with_representative = Person.objects.filter(
        organisation_id__in=ids, is_representative=True, user__isnull=False
    ).values_list("organisation_id", flat=True)
    elsewhere = (
        Membership.objects.filter(organisation_id__in=ids, status__in=live_statuses())
        .exclude(cluster=cluster)
        .values_list("organisation_id", flat=True)
    )
    return set(with_representative) | set(elsewhere)


@transaction.atomic
def add_existing_member(viewer: Viewer, organisation: Organisation, cluster: Cluster) -> Membership:
    """Staff make an organisation already on the platform an active member of their cluster (instead of creating
    a duplicate of it). An organisation that already has a membership here changes status on that membership;
    one run by its own representatives or by another cluster has to apply itself."""
    if not (viewer.is_admin or viewer.is_staff_of(cluster)) or not viewer.can_see_organisation(organisation):
        raise PermissionDenied
    if not viewer.is_admin and self_managed_organisation_ids([organisation.pk], cluster):
        raise ValidationError(
            _("%(org)s is kept by its own representatives or another cluster; ask them to apply to %(cluster)s.")
            % {"org": organisation, "cluster": cluster}
        )
    existing = Membership.objects.filter(organisation=organisation, cluster=cluster).first()
    if existing is not None:
        raise ValidationError(
            _("%(org)s already has a membership in %(cluster)s (%(status)s); change its status on its membership page.")
            % {"org": organisation, "cluster": cluster, "status": existing.get_status_display()}
        )
    return Membership.objects.create(
        organisation=organisation, cluster=cluster, status=Membership.Status.ACTIVE, joined_on=timezone.localdate()
    )


@transaction.atomic
def update_membership(viewer: Viewer, membership: Membership, *, fee_tier: str, notes: str) -> Membership:
    if not viewer.is_staff_of(membership.cluster):
        raise PermissionDenied
    membership.fee_tier = fee_tier
    membership.notes = notes
    membership.full_clean()
    membership.save()
    return membership


# --- registration ----------------------------------------------------------------------------------------------


@transaction.atomic
def register_applicant(
    *, cluster: Cluster, organisation_data: dict, person_data: dict, username: str, password: str, message: str = ""
):
    """A visitor applies to a cluster: creates their account, their organisation (unverified until approved),
    themselves as its representative, and the membership application. Returns the new user."""
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    organisation = _new_organisation(organisation_data, verified=False)
    user = User.objects.create_user(
        username=username,
        password=password,
        email=person_data.get("email", ""),
        first_name=person_data.get("first_name", ""),
        last_name=person_data.get("last_name", ""),
        language=person_data.get("language", "en"),
    )
    person = Person(organisation=organisation, user=user, is_representative=True)
    assign(person, {**person_data, "is_representative": True}, PERSON_FIELDS)
    person.full_clean()
    consents = {ConsentRecord.Purpose.DIRECTORY: bool(person_data.get("consent_directory")),
                ConsentRecord.Purpose.NEWSLETTER: bool(person_data.get("consent_newsletter"))}
    record_consents(person, consents, source=ConsentRecord.Source.FORM, by_id=user.pk)
    Membership.objects.create(
        organisation=organisation, cluster=cluster, status=Membership.Status.APPLICANT, application_message=message
    )
    return user


# --- people ----------------------------------------------------------------------------------------------------


@transaction.atomic
def save_person(
    viewer: Viewer,
    organisation: Organisation,
    data: dict,
    *,
    person: Person | None = None,
    consent_directory: bool | None = None,
    consent_newsletter: bool | None = None,
) -> Person:
    """Create (person=None) or change a contact of an organisation."""
    if not viewer.can_manage_people_of(organisation):
        raise PermissionDenied
    if person is None:
        person = Person(organisation=organisation)
    elif person.organisation_id != organisation.pk:
        raise PermissionDenied
    if (
        "is_representative" in data
        and bool(data["is_representative"]) != person.is_representative
        and not viewer.can_appoint_representatives(organisation)
    ):
        raise PermissionDenied
    assign(person, data, PERSON_FIELDS)
    person.full_clean()
    # Saves the person too, and keeps the history of each consent given or withdrawn.
    record_consents(
        person,
        {ConsentRecord.Purpose.DIRECTORY: consent_directory, ConsentRecord.Purpose.NEWSLETTER: consent_newsletter},
        source=consent_source(viewer, person), by_id=viewer.user_id,
    )
    return person


@transaction.atomic
def delete_person(viewer: Viewer, person: Person) -> None:
    if not viewer.can_manage_people_of(person.organisation):
        raise PermissionDenied
    if person.user_id is not None and person.user_id == viewer.user_id:
        raise ValidationError(_("You cannot remove yourself; ask another representative or the cluster staff."))
    person.delete()


# --- opportunities ---------------------------------------------------------------------------------------------


@transaction.atomic
def save_opportunity(
    viewer: Viewer,
    organisation: Organisation,
    data: dict,
    *,
    opportunity: Opportunity | None = None,
    concepts: Iterable[Concept] | None = None,
    value_chains: Iterable[ValueChain] | None = None,
    cluster: Cluster | None = None,
    author=None,
) -> Opportunity:
    """Create (opportunity=None) or change an offer or need of an organisation. New ones are published at once
    and appear in their cluster's moderation queue (post-moderation)."""
    if opportunity is None:
        if not (viewer.is_admin or viewer.represents(organisation.pk) or viewer.can_edit_organisation(organisation)):
            raise PermissionDenied
        opportunity = Opportunity(organisation=organisation, author=author)
        if cluster is None:
            candidates = Cluster.objects.filter(
                memberships__organisation=organisation, memberships__status=Membership.Status.ACTIVE
            )
            if not (viewer.is_admin or viewer.represents(organisation.pk)):
                # Staff posting for a member: into their own cluster's queue, where they can still reach it.
                candidates = candidates.filter(pk__in=viewer.staff_cluster_ids)
            cluster = candidates.order_by("memberships__joined_on", "pk").first()
        elif not Membership.objects.filter(
            organisation=organisation, cluster=cluster, status=Membership.Status.ACTIVE
        ).exists():
            # Otherwise a member could drop posts into another cluster's moderation queue.
            raise ValidationError({"cluster": _("%(org)s is not an active member of %(cluster)s.")
                                   % {"org": organisation, "cluster": cluster}})
        opportunity.cluster = cluster
    elif not viewer.can_edit_opportunity(opportunity):
        raise PermissionDenied
    before = {name: getattr(opportunity, name) for name in (*OPPORTUNITY_FIELDS, "status")}
    assign(opportunity, data, OPPORTUNITY_FIELDS)
    if "status" in data and data["status"] in (Opportunity.Status.DRAFT, Opportunity.Status.PUBLISHED,
                                                Opportunity.Status.ARCHIVED):
        if opportunity.status == Opportunity.Status.HIDDEN and not viewer.can_moderate_opportunity(opportunity):
            raise ValidationError(_("This opportunity was hidden by the cluster staff; ask them to publish it again."))
        opportunity.status = data["status"]
    changed = any(getattr(opportunity, name) != value for name, value in before.items())
    if opportunity.pk and changed and not viewer.can_moderate_opportunity(opportunity):
        # An approved post that its author rewrites or republishes goes back to the review queue.
        opportunity.reviewed_at = None
        opportunity.reviewed_by = None
    opportunity.full_clean()
    opportunity.save()
    if concepts is not None:
        opportunity.concepts.set(concepts)
    if value_chains is not None:
        opportunity.value_chains.set(value_chains)
    return opportunity


@transaction.atomic
def moderate_opportunity(viewer: Viewer, opportunity: Opportunity, *, approve: bool, note: str = "") -> Opportunity:
    """Staff approve an opportunity (it stays or becomes published) or hide it with a note to its author."""
    if not viewer.can_moderate_opportunity(opportunity):
        raise PermissionDenied
    if opportunity.status not in (Opportunity.Status.PUBLISHED, Opportunity.Status.HIDDEN):
        # Approving would publish a draft or an archived opportunity behind its author's back.
        raise ValidationError(_("Only published or hidden opportunities can be moderated."))
    if not approve and not note.strip():
        raise ValidationError(_("Say why the opportunity is hidden; the author will read it."))
    opportunity.status = Opportunity.Status.PUBLISHED if approve else Opportunity.Status.HIDDEN
    opportunity.moderation_note = note.strip()
    opportunity.reviewed_at = timezone.now()
    opportunity.reviewed_by_id = viewer.user_id
    opportunity.save()
    return opportunity


@transaction.atomic
def delete_opportunity(viewer: Viewer, opportunity: Opportunity) -> None:
    if not viewer.can_edit_opportunity(opportunity):
        raise PermissionDenied
    opportunity.delete()
