"""Read side of a cluster's back office: dashboard figures, the cluster's memberships, people, opportunities and
audit entries, and likely duplicates of a new organisation.

Everything here is scoped to one cluster, the request's (resolved by `cluster_view`). Membership rows are
cluster-private: another cluster's memberships never appear, not even in the audit log of an organisation that
belongs to both.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from filiera.core.access import Viewer
from filiera.core.models import AuditEntry, Cluster, ExcellenceLabel
from filiera.directory.duplicates import NAME, WEBSITE, Candidate, find_duplicates, website_host
from filiera.directory.exporting import ORGANISATION_COLUMNS, organisation_rows
from filiera.directory.models import (
    Helix,
    Membership,
    Opportunity,
    Organisation,
    OrganisationKind,
    Person,
    helix_counts,
)
from filiera.directory.services import TRANSITIONS, self_managed_organisation_ids

AUDITED_MODELS: dict[str, type] = {
    "directory.organisation": Organisation,
    "directory.membership": Membership,
    "directory.person": Person,
    "directory.opportunity": Opportunity,
}
RECENT_OPPORTUNITY_DAYS = 90


def organisation_ids(cluster: Cluster) -> QuerySet:
    """Ids of the organisations with a membership (any status) in the cluster, as a subquery."""
    return Membership.objects.filter(cluster=cluster).values("organisation_id")


# --- dashboard -------------------------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    count: int
    percent: int


def _bars(counts: dict[str, int], labels: dict[str, str], total: int) -> list[Bar]:
    rows = [Bar(str(labels.get(key, key)), n, round(100 * n / total) if total else 0) for key, n in counts.items() if n]
    return sorted(rows, key=lambda bar: (-bar.count, bar.label))


@dataclass
class DashboardFigures:
    active: int
    applicants: int
    lapsed: int
    left: int
    by_kind: list[Bar]
    by_helix: list[Bar]
    by_country: list[Bar]  # labelled with ISO codes: the dashboard names them with the country_name filter
    sme_count: int
    sme_percent: int
    joined_this_year: int
    year: int
    opportunities_by_type: list[Bar]
    opportunities_recent: int
    opportunity_days: int
    label: ExcellenceLabel | None


def dashboard_figures(cluster: Cluster, today: datetime.date | None = None) -> DashboardFigures:
    """Key figures of one cluster: memberships by status, the active members' make-up, recent opportunities."""
    today = today or timezone.localdate()
    memberships = Membership.objects.filter(cluster=cluster)
    by_status = dict(memberships.values_list("status").annotate(n=Count("pk")).order_by())
    active_orgs = Organisation.objects.filter(
        pk__in=memberships.filter(status=Membership.Status.ACTIVE).values("organisation_id")
    )
    active = by_status.get(Membership.Status.ACTIVE, 0)

    kind_counts = dict(active_orgs.values_list("kind").annotate(n=Count("pk")).order_by())
    country_counts = dict(active_orgs.values_list("country").annotate(n=Count("pk")).order_by())
    sme_count = active_orgs.filter(Q(is_sme=True) | Q(kind=OrganisationKind.SME)).count()

    since = timezone.now() - datetime.timedelta(days=RECENT_OPPORTUNITY_DAYS)
    type_counts = dict(
        Opportunity.objects.filter(cluster=cluster, status=Opportunity.Status.PUBLISHED, published_at__gte=since)
        .values_list("type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    recent = sum(type_counts.values())
    by_type = [
        Bar(str(label), type_counts.get(value, 0), round(100 * type_counts.get(value, 0) / recent) if recent else 0)
        for value, label in Opportunity.Type.choices
    ]
    return DashboardFigures(
        active=active,
        applicants=by_status.get(Membership.Status.APPLICANT, 0),
        lapsed=by_status.get(Membership.Status.LAPSED, 0),
        left=by_status.get(Membership.Status.LEFT, 0),
        by_kind=_bars(kind_counts, dict(OrganisationKind.choices), active),
        by_helix=_bars(helix_counts(kind_counts), dict(Helix.choices), active),
        by_country=_bars(country_counts, {}, active),
        sme_count=sme_count,
        sme_percent=round(100 * sme_count / active) if active else 0,
        joined_this_year=memberships.filter(joined_on__year=today.year).count(),
        year=today.year,
        opportunities_by_type=by_type,
        opportunities_recent=recent,
        opportunity_days=RECENT_OPPORTUNITY_DAYS,
        label=cluster.current_label(),
    )


def pending_applications(cluster: Cluster) -> QuerySet:
    return (
        Membership.objects.filter(cluster=cluster, status=Membership.Status.APPLICANT)
        .select_related("organisation")
        .order_by("applied_on", "pk")
    )


# --- memberships -----------------------------------------------------------------------------------------------

MEMBER_TABS: list[tuple[str, str]] = [
    (Membership.Status.APPLICANT, _("Applicants")),
    (Membership.Status.ACTIVE, _("Active")),
    (Membership.Status.LAPSED, _("Lapsed")),
    (Membership.Status.LEFT, _("Left")),
    (Membership.Status.REJECTED, _("Rejected")),
    ("all", _("All")),
]
MEMBER_TAB_VALUES = [value for value, _label in MEMBER_TABS]


def member_tab(value: str | None) -> str:
    return value if value in MEMBER_TAB_VALUES else Membership.Status.ACTIVE


def cluster_memberships(cluster: Cluster, status: str = "all", q: str = "") -> QuerySet:
    """The cluster's memberships in one status tab ("all" for every status), searched by organisation name."""
    qs = Membership.objects.filter(cluster=cluster).select_related("organisation")
    for word in q.split():
        qs = qs.filter(Q(organisation__name__icontains=word) | Q(organisation__short_name__icontains=word))
    if status != "all":
        qs = qs.filter(status=status)
    return qs.order_by("organisation__name", "pk")


def membership_tab_counts(cluster: Cluster, q: str = "") -> dict[str, int]:
    counts = dict(cluster_memberships(cluster, "all", q).values_list("status").annotate(n=Count("pk")).order_by())
    counts["all"] = sum(counts.values())
    return counts


@dataclass
class StatusAction:
    status: str
    label: str
    style: str


def membership_actions(membership: Membership) -> list[StatusAction]:
    """The status buttons of a membership, following services.TRANSITIONS."""
    actions = []
    allowed = TRANSITIONS.get(membership.status, set())
    for status in (Membership.Status.ACTIVE, Membership.Status.REJECTED, Membership.Status.LAPSED,
                   Membership.Status.LEFT):
        if status not in allowed:
            continue
        if status == Membership.Status.ACTIVE:
            if membership.status == Membership.Status.APPLICANT:
                actions.append(StatusAction(status, str(_("Approve")), "btn-success"))
            else:
                actions.append(StatusAction(status, str(_("Reactivate")), "btn-outline-success"))
        elif status == Membership.Status.REJECTED:
            actions.append(StatusAction(status, str(_("Reject")), "btn-outline-danger"))
        elif status == Membership.Status.LAPSED:
            actions.append(StatusAction(status, str(_("Mark as lapsed")), "btn-outline-secondary"))
        else:
            actions.append(StatusAction(status, str(_("Mark as left")), "btn-outline-secondary"))
    return actions


def with_actions(memberships: Iterable[Membership]) -> list[Membership]:
    """The memberships, each with `.actions` (its status buttons) for the templates."""
    rows = list(memberships)
    for membership in rows:
        membership.actions = membership_actions(membership)
    return rows


MEMBERSHIP_EXPORT_COLUMNS: tuple[str, ...] = (
    *ORGANISATION_COLUMNS, "status", "fee_tier", "applied_on", "joined_on", "ended_on",
)


def membership_export_rows(memberships: QuerySet) -> Iterable[Sequence]:
    """The organisation import's columns, then the membership's status, fee tier and dates."""
    memberships = list(memberships.prefetch_related("organisation__value_chains"))
    org_rows = organisation_rows(m.organisation for m in memberships)
    for membership, org_row in zip(memberships, org_rows, strict=True):
        yield (
            *org_row,
            membership.status,
            membership.fee_tier,
            membership.applied_on.isoformat() if membership.applied_on else "",
            membership.joined_on.isoformat() if membership.joined_on else "",
            membership.ended_on.isoformat() if membership.ended_on else "",
        )


# --- people ----------------------------------------------------------------------------------------------------

CONSENT_CHOICES = [("directory", _("Directory")), ("newsletter", _("Newsletter"))]


@dataclass
class PeopleFilters:
    q: str = ""
    consent: str = ""  # "directory", "newsletter" or ""
    representative: bool = False

    @classmethod
    def from_query(cls, params: QueryDict | dict) -> PeopleFilters:
        consent = params.get("consent", "") or ""
        return cls(
            q=(params.get("q", "") or "").strip()[:200],
            consent=consent if consent in dict(CONSENT_CHOICES) else "",
            representative=str(params.get("representative", "")).lower() in ("1", "true", "on", "yes"),
        )


def cluster_people(viewer: Viewer, cluster: Cluster, filters: PeopleFilters | None = None) -> QuerySet:
    """People of the cluster's organisations that the viewer may see (for staff: organisations whose membership is
    live, see filiera.core.access)."""
    qs = Person.objects.filter(viewer.people_filter(), organisation_id__in=organisation_ids(cluster))
    filters = filters or PeopleFilters()
    for word in filters.q.split():
        qs = qs.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
            | Q(organisation__name__icontains=word) | Q(organisation__short_name__icontains=word)
        )
    if filters.consent == "directory":
        qs = qs.filter(consent_directory_at__isnull=False)
    elif filters.consent == "newsletter":
        qs = qs.filter(consent_newsletter_at__isnull=False)
    if filters.representative:
        qs = qs.filter(is_representative=True)
    return qs.select_related("organisation").order_by("last_name", "first_name", "pk")


# --- opportunities ---------------------------------------------------------------------------------------------

OPPORTUNITY_TABS: list[tuple[str, str]] = [
    ("review", _("To review")),
    ("hidden", _("Hidden")),
    ("all", _("All")),
]


def opportunity_tab(value: str | None) -> str:
    return value if value in dict(OPPORTUNITY_TABS) else "review"


def _opportunity_tab_q(tab: str) -> Q:
    if tab == "review":
        return Q(status=Opportunity.Status.PUBLISHED, reviewed_at__isnull=True)
    if tab == "hidden":
        return Q(status=Opportunity.Status.HIDDEN)
    return Q()


def cluster_opportunities(cluster: Cluster, tab: str = "all") -> QuerySet:
    """Opportunities the cluster's staff moderate (their `cluster` is this one), in one moderation tab."""
    return (
        Opportunity.objects.filter(_opportunity_tab_q(tab), cluster=cluster)
        .select_related("organisation", "reviewed_by")
        .order_by("-created_at", "-pk")
    )


def opportunity_tab_counts(cluster: Cluster) -> dict[str, int]:
    return {tab: cluster_opportunities(cluster, tab).count() for tab, _label in OPPORTUNITY_TABS}


# --- audit log -------------------------------------------------------------------------------------------------


def cluster_audit(cluster: Cluster) -> QuerySet:
    """Entries filed under the cluster, and the entries of its organisations (members in any status) that no other
    cluster owns: their profiles and people. Other clusters' memberships and the opportunities other clusters
    moderate (drafts included) stay private to those clusters."""
    of_members = Q(organisation_id__in=organisation_ids(cluster), cluster__isnull=True)
    return AuditEntry.objects.filter(Q(cluster=cluster) | of_members).select_related("actor")


@dataclass
class AuditFilters:
    model: str = ""
    action: str = ""

    @classmethod
    def from_query(cls, params: QueryDict | dict) -> AuditFilters:
        model = params.get("model", "") or ""
        action = params.get("action", "") or ""
        return cls(
            model=model if model in AUDITED_MODELS else "",
            action=action if action in AuditEntry.Action.values else "",
        )

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.model:
            qs = qs.filter(model=self.model)
        if self.action:
            qs = qs.filter(action=self.action)
        return qs


def audited_model_choices() -> list[tuple[str, str]]:
    return [(label, capfirst(str(model._meta.verbose_name))) for label, model in AUDITED_MODELS.items()]


def record_in_cluster(cluster: Cluster, model_label: str, object_id: str) -> bool:
    """Whether one audited record belongs to the cluster: an organisation with a membership here, a membership of
    this cluster, a person of such an organisation, an opportunity moderated here (or of such an organisation when
no cluster moderates it). A deleted record belongs
    to the cluster if its entries were filed under it."""
    model = AUDITED_MODELS.get(model_label)
    if model is None:
        return False
    try:
        pk = int(object_id)
    except (TypeError, ValueError):
        return False
    members = organisation_ids(cluster)
    if model is Organisation:
        scoped = Organisation.objects.filter(pk=pk, pk__in=members)
    elif model is Membership:
        scoped = Membership.objects.filter(pk=pk, cluster=cluster)
    elif model is Person:
        scoped = Person.objects.filter(pk=pk, organisation_id__in=members)
    else:
        scoped = Opportunity.objects.filter(Q(cluster=cluster) | Q(cluster__isnull=True, organisation_id__in=members),
                                            pk=pk)
    if scoped.exists():
        return True
    if model.objects.filter(pk=pk).exists():
        return False
    return cluster_audit(cluster).filter(model=model_label, object_id=str(pk)).exists()


def record_history(records: Iterable[tuple[str, int]]) -> QuerySet:
    """Entries of the given records (model label, pk), newest first."""
    q = Q(pk__in=[])
    for model_label, pk in records:
        q |= Q(model=model_label, object_id=str(pk))
    return AuditEntry.objects.filter(q).select_related("actor")


@dataclass
class AuditChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class AuditRow:
    entry: AuditEntry
    model_name: str
    changes: list[AuditChange] = field(default_factory=list)


def _field_of(model, name: str):
    for candidate in [*model._meta.concrete_fields, *model._meta.many_to_many]:
        if name in (candidate.name, candidate.attname):
            return candidate
    return None


def _display(model_field, value, names: dict) -> str:
    """One logged value as people read it: choice labels, related records by name, localised dates."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if model_field is not None and model_field.is_relation:
        related = model_field.related_model
        values = value if isinstance(value, list) else [value]
        return ", ".join(names.get((related, v), f"#{v}") for v in values)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    elif isinstance(model_field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        if day is not None:
            return formats.date_format(day, "SHORT_DATE_FORMAT")
    return str(value)


def _related_names(pairs: set[tuple[type, object]]) -> dict[tuple[type, object], str]:
    """Names of the related records the entries point to, fetched with one query per related model."""
    by_model: dict[type, set] = {}
    for related, pk in pairs:
        by_model.setdefault(related, set()).add(pk)
    names = {}
    for related, pks in by_model.items():
        for obj in related._default_manager.filter(pk__in=pks):
            names[(related, obj.pk)] = str(obj)
    return names


def audit_rows(entries: Iterable[AuditEntry]) -> list[AuditRow]:
    """Entries ready to show: the record's kind, and each changed field with its label, old and new values."""
    entries = list(entries)
    parsed = []
    references: set[tuple[type, object]] = set()
    for entry in entries:
        model = AUDITED_MODELS.get(entry.model)
        fields = []
        for name, values in (entry.changes or {}).items():
            old, new = (list(values) + [None, None])[:2] if isinstance(values, list | tuple) else (None, values)
            model_field = _field_of(model, name) if model else None
            if model_field is not None and model_field.is_relation:
                for value in (old, new):
                    for pk in value if isinstance(value, list) else [value]:
                        if pk is not None and pk != "":
                            references.add((model_field.related_model, pk))
            fields.append((name, model_field, old, new))
        parsed.append((entry, model, fields))
    names = _related_names(references)
    rows = []
    for entry, model, fields in parsed:
        row = AuditRow(entry, capfirst(str(model._meta.verbose_name)) if model else entry.model)
        for name, model_field, old, new in fields:
            label = capfirst(str(model_field.verbose_name)) if model_field is not None else name
            row.changes.append(
                AuditChange(name, label, _display(model_field, old, names), _display(model_field, new, names))
            )
        rows.append(row)
    return rows


# --- likely duplicates -----------------------------------------------------------------------------------------


@dataclass
class Duplicate:
    organisation: Organisation
    reasons: list[str]
    membership: Membership | None  # its membership in the cluster, if it has one
    must_apply: bool = False  # kept by its own representatives or another cluster: the staff may not enrol it


DUPLICATE_REASONS = {NAME: _("similar name in the same country"), WEBSITE: _("same website")}


def likely_duplicates(
    viewer: Viewer, cluster: Cluster, *, name: str, country: str, website: str = "", limit: int = 10
) -> list[Duplicate]:
    """Organisations the viewer can see that look like the one about to be created, by the rule of
    filiera.directory.duplicates (the import's): a similar name in the same country, or the same website host."""
    country = country.upper()
    host = website_host(website)
    nearby = Q(country=country)
    if host:
        nearby |= Q(website__icontains=host)
    existing = [
        Candidate(name=org_name, country=org_country, host=website_host(url), ref=ref or "", organisation_id=pk)
        for pk, ref, org_name, org_country, url in viewer.visible_organisations()
        .filter(nearby)
        .values_list("pk", "ref", "name", "country", "website")
    ]
    matches = find_duplicates([Candidate(name=name, country=country, host=host)], existing)
    found = {match.other.organisation_id: match.reasons for match in matches}
    if not found:
        return []
    organisations = list(Organisation.objects.filter(pk__in=found).order_by("name", "pk")[:limit])
    ids = [org.pk for org in organisations]
    memberships = {m.organisation_id: m for m in Membership.objects.filter(cluster=cluster, organisation_id__in=ids)}
    self_managed = set() if viewer.is_admin else self_managed_organisation_ids(ids, cluster)
    return [
        Duplicate(
            org,
            [str(DUPLICATE_REASONS[reason]) for reason in found[org.pk]],
            memberships.get(org.pk),
            must_apply=org.pk in self_managed,
        )
        for org in organisations
    ]
