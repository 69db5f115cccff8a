"""Request and response schemas of the API.

Public shapes (clusters, organisations, opportunities, vocabulary) never carry cluster-private membership data:
status, fee tier and staff notes appear only in MembershipOut, which only the memberships routes return, and those
answer the cluster's staff alone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.db import models
from ninja import Field, Schema
from pydantic import ConfigDict, WithJsonSchema

from filiera.core.access import viewer_for
from filiera.core.models import Concept, ExcellenceLabel, Network
from filiera.directory.models import (
    Membership,
    Opportunity,
    OrganisationKind,
    Visibility,
)
from filiera.directory.services import TRANSITIONS


class InputSchema(Schema):
    """Choices arrive as their plain values, so that services get strings, not enum members."""

    model_config = ConfigDict(use_enum_values=True)


def choices_of(choices: type[models.TextChoices], name: str):
    """A field of a model's choices, described in place under its own name. Django names many of them Status or
    Stage, and the OpenAPI components are named by class, so two of them would share, and overwrite, one
    component (the memberships would be documented with the solutions' statuses)."""
    return Annotated[choices, WithJsonSchema({"title": name, "type": "string", "enum": list(choices.values)})]


# A record's id in a request body: a list of them is looked up at once (`pk__in`), and SQLite refuses a number
# beyond 64 bits there instead of finding nothing.
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]

MembershipStatus = choices_of(Membership.Status, "MembershipStatus")
OpportunityStatus = choices_of(Opportunity.Status, "OpportunityStatus")
OpportunityStage = choices_of(Opportunity.Stage, "OpportunityStage")


# --- errors ----------------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(description="Messages per field; `__all__` holds those of no one field")


# --- vocabulary ------------------------------------------------------------------------------------------------


class VocabularyRef(Schema):
    """A value chain or concept inside another record: its slug and its label in the request's language."""

    slug: str
    label: str


class ValueChainOut(Schema):
    slug: str
    label: str = Field(description="In the request's language (Accept-Language), falling back to English")
    labels: dict[str, str] = Field(description="{language: label}")


class ConceptOut(Schema):
    slug: str
    scheme: Concept.Scheme
    label: str = Field(description="In the request's language (Accept-Language), falling back to English")
    labels: dict[str, str] = Field(description="{language: label}")
    synonyms: dict[str, list[str]] = Field(description="{language: [synonym, …]}")
    broader: str | None = Field(None, description="Slug of the broader concept")

    @staticmethod
    def resolve_broader(obj):
        return obj.broader.slug if obj.broader_id else None


# --- clusters --------------------------------------------------------------------------------------------------


class ExcellenceLabelOut(Schema):
    level: ExcellenceLabel.Level
    awarded_on: date
    valid_until: date | None
    assessor: str


class NetworkOut(Schema):
    slug: str
    name: str
    kind: Network.Kind


class ClusterOut(Schema):
    slug: str
    name: str
    short_name: str
    country: str
    region: str
    language: str
    website: str
    description: str
    founded_on: date | None
    value_chains: list[ValueChainOut]
    excellence_labels: list[ExcellenceLabelOut]
    current_label: ExcellenceLabelOut | None
    networks: list[NetworkOut]
    active_member_count: int = Field(description="Organisations that are active members")

    @staticmethod
    def resolve_excellence_labels(obj):
        return list(obj.labels.all())

    @staticmethod
    def resolve_current_label(obj):
        return obj.current_label()


# --- organisations ---------------------------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    slug: str
    name: str


class OrganisationOut(Schema):
    id: int
    ref: str | None
    slug: str
    name: str
    short_name: str
    kind: OrganisationKind
    helix: str
    is_sme: bool
    country: str
    region: str
    city: str
    postcode: str
    website: str
    language: str
    languages_spoken: str
    description: str
    keywords: list[str]
    value_chains: list[VocabularyRef]
    concepts: list[VocabularyRef]
    visibility: Visibility
    verified: bool
    clusters: list[str] = Field(description="Slugs of the clusters it is an active member of")
    updated_at: datetime

    @staticmethod
    def resolve_keywords(obj):
        return obj.keyword_list

    @staticmethod
    def resolve_clusters(obj):
        active = getattr(obj, "active_memberships", None)
        if active is None:
            active = obj.memberships.filter(status=Membership.Status.ACTIVE).select_related("cluster")
        return sorted(m.cluster.slug for m in active)


class OrganisationIn(InputSchema):
    name: str
    country: str = Field(description="ISO 3166 alpha-2 code")
    kind: OrganisationKind = OrganisationKind.OTHER
    ref: str | None = None
    short_name: str = ""
    is_sme: bool = False
    region: str = ""
    city: str = ""
    postcode: str = ""
    website: str = ""
    language: str = "en"
    languages_spoken: str = ""
    description: str = ""
    keywords: str = Field("", description="Separated by ';'")
    visibility: Visibility = Visibility.PUBLIC
    value_chains: list[str] = Field(default_factory=list, description="Value chain slugs")
    concepts: list[str] = Field(default_factory=list, description="Concept slugs")
    cluster: str | None = Field(
        None, description="Slug of a cluster you are staff of: the organisation becomes its active member"
    )


class OrganisationPatch(InputSchema):
    """Only the fields sent are changed, and null leaves a field as it is (except `ref`, which null clears);
    `value_chains` / `concepts` replace the lists when sent."""

    name: str | None = None
    country: str | None = None
    kind: OrganisationKind | None = None
    ref: str | None = None
    short_name: str | None = None
    is_sme: bool | None = None
    region: str | None = None
    city: str | None = None
    postcode: str | None = None
    website: str | None = None
    language: str | None = None
    languages_spoken: str | None = None
    description: str | None = None
    keywords: str | None = None
    visibility: Visibility | None = None
    value_chains: list[str] | None = None
    concepts: list[str] | None = None


# --- memberships (cluster staff only) --------------------------------------------------------------------------


class MembershipOut(Schema):
    id: int
    organisation: OrganisationRef
    cluster: str
    status: MembershipStatus
    fee_tier: str
    applied_on: date
    joined_on: date | None
    ended_on: date | None
    application_message: str
    notes: str
    next_statuses: list[str] = Field(description="The statuses this membership may move to")
    updated_at: datetime

    @staticmethod
    def resolve_cluster(obj):
        return obj.cluster.slug

    @staticmethod
    def resolve_next_statuses(obj):
        return sorted(TRANSITIONS.get(obj.status, set()))


class MembershipStatusIn(InputSchema):
    status: MembershipStatus
    note: str = Field("", description="Appended, dated, to the staff notes")
    on: date | None = Field(None, description="Effective date; today when left out")


class MembershipPatch(InputSchema):
    fee_tier: Membership.FeeTier | None = None
    notes: str | None = None


# --- people ----------------------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    organisation: OrganisationRef
    first_name: str
    last_name: str
    email: str
    phone: str
    job_title: str
    language: str
    is_representative: bool
    has_account: bool
    consent_directory_at: datetime | None
    consent_newsletter_at: datetime | None
    updated_at: datetime

    @staticmethod
    def resolve_has_account(obj):
        return obj.user_id is not None


class PersonFields(InputSchema):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    job_title: str | None = None
    language: str | None = None
    is_representative: bool | None = None
    consent_directory: bool | None = Field(None, description="true records the consent now; false withdraws it")
    consent_newsletter: bool | None = Field(None, description="true records the consent now; false withdraws it")


class PersonIn(PersonFields):
    organisation: int
    first_name: str
    last_name: str


class PersonPatch(PersonFields):
    """Only the fields sent are changed."""


# --- opportunities ---------------------------------------------------------------------------------------------


class OpportunityOut(Schema):
    id: int
    organisation: OrganisationRef
    cluster: str | None = Field(description="Slug of the cluster whose staff moderate it")
    type: Opportunity.Type
    title: str
    summary: str
    body: str
    language: str
    stage: str
    expires_on: date | None
    is_expired: bool
    visibility: Visibility
    status: OpportunityStatus
    value_chains: list[VocabularyRef]
    concepts: list[VocabularyRef]
    moderation_note: str | None = Field(description="The staff's note to the author; only for those who may edit it")
    created_at: datetime
    published_at: datetime | None = Field(
        description="When it was last published (a draft may be published long after it was created); "
        "none while it never was"
    )
    updated_at: datetime

    @staticmethod
    def resolve_cluster(obj):
        return obj.cluster.slug if obj.cluster_id else None

    @staticmethod
    def resolve_moderation_note(obj, context):
        request = context["request"] if context else None
        user = getattr(request, "auth", None) if request is not None else None
        return obj.moderation_note if viewer_for(user).can_edit_opportunity(obj) else None


class OpportunityFields(InputSchema):
    body: str | None = None
    language: str | None = None
    stage: OpportunityStage | Literal[""] | None = None
    expires_on: date | None = None
    visibility: Visibility | None = None
    status: Literal["draft", "published", "archived"] | None = Field(
        None, description="Hidden is the staff's decision (moderation), not the author's"
    )
    value_chains: list[str] | None = Field(None, description="Value chain slugs")
    concepts: list[str] | None = Field(None, description="Concept slugs")


class OpportunityIn(OpportunityFields):
    organisation: int
    type: Opportunity.Type
    title: str
    summary: str
    cluster: str | None = Field(
        None, description="Slug of a cluster the organisation is an active member of, whose staff moderate it"
    )


class OpportunityPatch(OpportunityFields):
    """Only the fields sent are changed; `value_chains` / `concepts` replace the lists when sent."""

    type: Opportunity.Type | None = None
    title: str | None = None
    summary: str | None = None
