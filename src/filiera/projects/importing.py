"""Import projects and their partners: from a participations file (`filiera import participations`) or from the
official CORDIS exports (`filiera import cordis`). Both read their files into records (projects.records), and one
planner works out what to create and update; nothing is written unless the whole input is right (all or nothing),
and a second run of the same files changes nothing.

The writing is in bulk, for the whole H2020 network (145,000 participations) imports in seconds; bulk writes send no
model signals, so the audit entries are written here as the signals would write them."""

from __future__ import annotations

import datetime
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiera.core import audit
from filiera.core.audit import acting_as
from filiera.core.countries import COUNTRY_ALIASES, COUNTRY_CODES
from filiera.core.locks import take_turn
from filiera.core.models import AuditEntry, Cluster
from filiera.directory.importing import (
    CORDIS_KINDS,
    CORDIS_PRIVATE,
    IMPORT_TURN,
    Problem,
    UnreadableFile,
    _allocate_slug,
    _chunks,
    _column_key,
    normalise_website,
    read_table,
)
from filiera.directory.models import Organisation, OrganisationKind, bulk_saved, bulk_saving
from filiera.projects.models import Call, Partner, Project
from filiera.projects.records import OrganisationRecord, ParticipationRecord, ProjectRecord, role_of

PARTICIPATION_COLUMNS = ("project_ref", "project_acronym", "project_title", "programme", "start_date", "end_date",
                         "total_cost", "eu_contribution", "org_ref", "role", "org_contribution")
PARTICIPATION_REQUIRED = ("project_ref", "org_ref")
PROJECT_FIELDS = ("acronym", "title", "programme", "call_identifier", "summary", "start_date", "end_date",
                  "total_budget", "eu_contribution")
MAX_LENGTHS = {"project_ref": 60, "org_ref": 40, "project_acronym": 60, "project_title": 400, "programme": 200}
_MONEY_LIMIT = Decimal("1e12")


@dataclass
class ProjectImportReport:
    """What an import would do (a dry run) or did, and every problem found, located by file, row and column."""

    filename: str
    file_format: str = ""
    encoding: str = ""
    delimiter: str = ""
    compressed: bool = False
    row_count: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    projects_created: int = 0
    projects_updated: int = 0
    projects_unchanged: int = 0
    partners_created: int = 0
    partners_updated: int = 0
    partners_unchanged: int = 0
    organisations_created: int = 0
    placeholders_created: int = 0
    applied: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        counts = {
            "pc": self.projects_created, "pu": self.projects_updated, "pn": self.projects_unchanged,
            "ac": self.partners_created, "au": self.partners_updated, "an": self.partners_unchanged,
            "oc": self.organisations_created + self.placeholders_created,
        }
        if self.applied:
            text = _("Imported: projects %(pc)s created, %(pu)s updated, %(pn)s unchanged; partners %(ac)s created, "
                     "%(au)s updated, %(an)s unchanged; %(oc)s organisations created.") % counts
        else:
            text = _("Would import: projects %(pc)s to create, %(pu)s to update, %(pn)s unchanged; partners %(ac)s to "
                     "create, %(au)s to update, %(an)s unchanged; %(oc)s organisations to create.") % counts
        if self.placeholders_created:
            text += " " + _("%(count)s of the organisations are unverified placeholders (unknown references).") % {
                "count": self.placeholders_created}
        return text


# --- reading cells -------------------------------------------------------------------------------------------------


def parse_date(text: str) -> datetime.date:
    """A date as YYYY-MM-DD (a spreadsheet's date cell reads so too; a time after it is ignored)."""
    return datetime.date.fromisoformat(text.strip()[:10])


def parse_money(text: str) -> Decimal:
    """An amount in EUR: "1234.5", "1 234,50" or "1.234,50"; negative amounts are refused."""
    cleaned = re.sub(r"[\s\u00a0€]|EUR", "", text)
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".") if cleaned.rfind(",") > cleaned.rfind(".") \
            else cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    value = Decimal(cleaned)
    if not value.is_finite() or value < 0 or value >= _MONEY_LIMIT:
        raise InvalidOperation(text)
    return value.quantize(Decimal("0.01"))


@dataclass
class ParticipationsFile:
    projects: dict[str, ProjectRecord]
    participations: list[ParticipationRecord]


def read_participations(data: bytes, filename: str, report: ProjectImportReport) -> ParticipationsFile | None:
    """Read a participations CSV / XLSX into records; every problem goes to the report. None when unreadable."""
    try:
        table = read_table(data, filename)
    except UnreadableFile as exc:
        report.errors.append(exc.problem)
        return None
    report.file_format, report.encoding, report.delimiter = table.file_format, table.encoding, table.delimiter
    report.compressed, report.row_count = table.compressed, len(table.rows)
    report.notes.extend(table.notes)
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, raw in enumerate(table.header):
        key = _column_key(raw)
        if key not in PARTICIPATION_COLUMNS:
            if key:
                report.warnings.append(Problem(_("unknown column, ignored."), row=table.header_row, column=raw))
            continue
        if key in positions:
            report.errors.append(Problem(_("this column appears twice."), row=table.header_row, column=raw))
        positions[key], labels[key] = index, raw.strip()
    for required in PARTICIPATION_REQUIRED:
        if required not in positions:
            report.errors.append(Problem(_("this required column is missing from the header."),
                                         row=table.header_row, column=required))
    if report.errors:
        return None

    projects: dict[str, ProjectRecord] = {}
    first_row_of_project: dict[str, int] = {}
    first_row_of_pair: dict[tuple[str, str], int] = {}
    participations: list[ParticipationRecord] = []
    errors = report.errors
    width = len(table.header)
    for row, cells in table.rows:
        def error(column: str | None, message: str, row=row) -> None:
            errors.append(Problem(message, row=row, column=labels.get(column, column) if column else None))

        raw = {name: (cells[index].strip() if index < len(cells) else "") for name, index in positions.items()}
        if any(cells[width:]):
            error(None, _("this row has more cells than the header has columns; a value that contains the "
                          "delimiter must be put in quotes."))
        bad = False
        for name, text in raw.items():
            if text.startswith("="):
                error(name, _("formulas are not accepted; type the value instead."))
                bad = True
            elif len(text) > MAX_LENGTHS.get(name, 10_000):
                error(name, _("longer than %(max)s characters.") % {"max": MAX_LENGTHS[name]})
                bad = True
        for name in PARTICIPATION_REQUIRED:
            if not raw[name]:
                error(name, _("this required cell is empty."))
                bad = True
        if bad:
            continue
        values: dict = {}
        for name in ("start_date", "end_date"):
            if raw.get(name):
                try:
                    values[name] = parse_date(raw[name])
                except ValueError:
                    error(name, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw[name]})
        for name in ("total_cost", "eu_contribution", "org_contribution"):
            if raw.get(name):
                try:
                    values[name] = parse_money(raw[name])
                except (InvalidOperation, ValueError):
                    error(name, _("“%(value)s” is not an amount in euros (a number, not negative).")
                          % {"value": raw[name]})
        role = role_of(raw.get("role", "")) if raw.get("role") else "partner"
        if role is None:
            error("role", _("“%(value)s” is not a role: coordinator, partner or associated.") % {"value": raw["role"]})
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            error("end_date", _("the project ends before it starts."))

        ref, org_ref = raw["project_ref"], raw["org_ref"]
        pair_first = first_row_of_pair.setdefault((ref, org_ref), row)
        if pair_first != row:
            error("org_ref", _("organisation %(org)s is already a partner of project %(project)s on row %(first)s.")
                  % {"org": org_ref, "project": ref, "first": pair_first})
        record = ProjectRecord(ref=ref, row=row, acronym=raw.get("project_acronym", ""),
                               title=raw.get("project_title", ""), programme=raw.get("programme", ""),
                               start_date=start, end_date=end, total_cost=values.get("total_cost"),
                               eu_contribution=values.get("eu_contribution"))
        known = projects.setdefault(ref, record)
        if known is not record:
            for name, label in (("acronym", "project_acronym"), ("title", "project_title"),
                                ("programme", "programme"), ("start_date", "start_date"), ("end_date", "end_date"),
                                ("total_cost", "total_cost"), ("eu_contribution", "eu_contribution")):
                mine, theirs = getattr(record, name), getattr(known, name)
                if mine not in (None, "") and theirs not in (None, "") and mine != theirs:
                    error(label, _("project %(project)s has another value here than on row %(first)s.")
                          % {"project": ref, "first": first_row_of_project[ref]})
                elif theirs in (None, "") and mine not in (None, ""):
                    setattr(known, name, mine)
        first_row_of_project.setdefault(ref, row)
        participations.append(ParticipationRecord(project_ref=ref, org_ref=org_ref, row=row, role=role or "partner",
                                                  contribution=values.get("org_contribution")))
    return ParticipationsFile(projects=projects, participations=participations)


# --- planning and applying -----------------------------------------------------------------------------------------


def _status_by_dates(start: datetime.date | None, end: datetime.date | None, today: datetime.date) -> str:
    """An imported project was funded; whether it is running or closed follows from its dates."""
    if end is not None and end < today:
        return Project.Status.CLOSED
    if start is not None and start <= today:
        return Project.Status.RUNNING
    return Project.Status.FUNDED


def _project_values(record: ProjectRecord) -> dict:
    return {
        "acronym": (record.acronym or record.ref)[:60], "title": record.title[:400], "programme": record.programme,
        "call_identifier": record.call[:200], "summary": record.summary, "start_date": record.start_date,
        "end_date": record.end_date, "total_budget": record.total_cost, "eu_contribution": record.eu_contribution,
    }


def _new_organisation(record: OrganisationRecord, slug: str) -> Organisation:
    kind = CORDIS_KINDS.get(record.cordis_type.upper(), OrganisationKind.OTHER)
    if record.cordis_type.upper() == CORDIS_PRIVATE:
        kind = OrganisationKind.SME if record.is_sme else OrganisationKind.LARGE_ENTERPRISE
    country = record.country.upper()
    country = COUNTRY_ALIASES.get(country, country)
    organisation = Organisation(
        ref=record.ref, slug=slug, name=record.name[:255], short_name=record.short_name[:80], kind=kind,
        is_sme=record.is_sme, country=country if country in COUNTRY_CODES else "", city=record.city[:120],
        postcode=record.postcode[:20], region=record.region[:120], website=normalise_website(record.website) or "",
    )
    organisation.search_text = organisation.build_search_text()
    return organisation


def _placeholder(ref: str, slug: str) -> Organisation:
    """An organisation known only by its reference: unverified (so no one but staff sees it) until someone
    imports or enters its details."""
    organisation = Organisation(ref=ref, slug=slug, name=_("Organisation %(ref)s") % {"ref": ref}, verified=False,
                                kind=OrganisationKind.OTHER, country="")
    organisation.search_text = organisation.build_search_text()
    return organisation


def import_projects(report: ProjectImportReport, projects: dict[str, ProjectRecord],
                    participations: list[ParticipationRecord], *,
                    organisations: dict[str, OrganisationRecord] | None = None,
                    create_missing: bool = False, source: str = Project.Source.PARTICIPATIONS,
                    cluster: Cluster | None = None, dry_run: bool = False, user=None, actor_label: str = "") -> None:
    """Plan the records against the database and, when nothing is wrong and this is not a dry run, write them in
    one transaction. `organisations`: the CORDIS file's organisations, created when unknown. Otherwise an unknown
    organisation is an error on its row, or with `create_missing` an unverified placeholder."""
    started = time.monotonic()
    organisations = organisations or {}
    try:
        with transaction.atomic():
            if not dry_run:
                # Imports take turns with each other and with the organisation import: the next one plans against
                # what this one wrote (it creates organisations too).
                take_turn(IMPORT_TURN)
            plan = _plan(report, projects, participations, organisations, create_missing, cluster)
            if plan is not None and not report.errors and not dry_run:
                with acting_as(user, label=actor_label), bulk_saving():
                    _apply(plan, source, cluster)
                report.applied = True
    except IntegrityError:
        report.applied = False
        report.errors.append(Problem(_("The projects or the directory changed while the file was being imported, so "
                                       "nothing was imported. Import the file again.")))
    if report.applied:
        _refresh_statistics()
    report.seconds = time.monotonic() - started


@dataclass
class _Plan:
    new_organisations: list[Organisation]
    organisation_ids: dict[str, int]  # ref -> id of the existing ones
    new_projects: list[tuple[ProjectRecord, dict]]
    changed_projects: list[tuple[Project, dict]]
    project_ids: dict[str, int]
    partner_rows: list[tuple[ParticipationRecord, Partner | None, dict]]  # record, existing partner, changes
    new_organisation_ids: list[int] = field(default_factory=list)


def _existing(model, field_name: str, keys: list[str], *fields) -> dict:
    found = {}
    for chunk in _chunks(keys):
        for row in model.objects.filter(**{f"{field_name}__in": chunk}).only(field_name, *fields):
            found[getattr(row, field_name)] = row
    return found


def _plan(report, projects, participations, organisations, create_missing, cluster) -> _Plan | None:
    org_refs = sorted({p.org_ref for p in participations} | set(organisations))
    existing_orgs = {}
    for chunk in _chunks(org_refs):
        existing_orgs.update(Organisation.objects.filter(ref__in=chunk).values_list("ref", "pk"))
    taken: set[str] = set()
    new_orgs: list[Organisation] = []
    missing = [ref for ref in org_refs if ref not in existing_orgs]
    unknown_rows: dict[str, int] = {}
    if missing:
        taken = set(Organisation.objects.values_list("slug", flat=True))
        suffixes: dict[str, int] = {}
        missing_set = set(missing)
        for record in participations:
            if record.org_ref in missing_set and record.org_ref not in organisations:
                unknown_rows.setdefault(record.org_ref, record.row)
        for ref in missing:
            if ref in organisations:
                record = organisations[ref]
                new_orgs.append(_new_organisation(record, _allocate_slug(record.short_name or record.name, taken,
                                                                         suffixes)))
                report.organisations_created += 1
            elif create_missing:
                new_orgs.append(_placeholder(ref, _allocate_slug(f"organisation-{ref}", taken, suffixes)))
                report.placeholders_created += 1
        if not create_missing:
            for record in participations:
                if record.org_ref in unknown_rows:
                    report.errors.append(Problem(
                        _("no organisation has the reference %(ref)s; import it first with `filiera import "
                          "organisations`, or use --create-missing.") % {"ref": record.org_ref},
                        row=record.row, column="org_ref"))
    existing_projects = _existing(Project, "ref", sorted(projects), "cluster_id", "source", *PROJECT_FIELDS)
    for project in existing_projects.values():
        if cluster is not None and project.cluster_id not in (None, cluster.pk):
            record = projects[project.ref]
            report.errors.append(Problem(_("project %(ref)s belongs to another cluster's portfolio.")
                                         % {"ref": project.ref}, row=record.row))
    if report.errors:
        return None

    new_projects, changed_projects = [], []
    public_records: set[str] = set()  # with a cluster: the public records the file names (left as they are)
    left_alone: set[str] = set()  # those of them the file would have changed
    for ref, record in projects.items():
        values = _project_values(record)
        project = existing_projects.get(ref)
        if project is None:
            new_projects.append((record, values))
            report.projects_created += 1
            continue
        # Empty cells never erase: a value entered by staff stays when the file does not know it.
        changes = {name: value for name, value in values.items()
                   if value not in (None, "") and getattr(project, name) != value}
        if cluster is not None and project.cluster_id is None:
            # A public record is everyone's: a cluster's import counts it in the portfolio (through its members)
            # but neither changes it (nor its partners) nor takes it private.
            public_records.add(ref)
            if changes:
                left_alone.add(ref)
            changes = {}
        if changes:
            changed_projects.append((project, changes))
            report.projects_updated += 1
        else:
            report.projects_unchanged += 1

    project_ids = {ref: project.pk for ref, project in existing_projects.items()}
    existing_partners: dict[tuple[int, int], Partner] = {}
    known_project_ids = list(project_ids.values())
    for chunk in _chunks(known_project_ids):
        for partner in Partner.objects.filter(project_id__in=chunk).only(
                "project_id", "organisation_id", "role", "eu_contribution"):
            existing_partners[(partner.project_id, partner.organisation_id)] = partner
    partner_rows = []
    for record in participations:
        project_id = project_ids.get(record.project_ref)
        org_id = existing_orgs.get(record.org_ref)
        partner = existing_partners.get((project_id, org_id)) if project_id and org_id else None
        if record.project_ref in public_records:
            if partner is None or partner.role != record.role or (
                    record.contribution is not None and partner.eu_contribution != record.contribution):
                left_alone.add(record.project_ref)
            report.partners_unchanged += 1
            continue
        if partner is None:
            partner_rows.append((record, None, {}))
            report.partners_created += 1
            continue
        changes = {}
        if partner.role != record.role:
            changes["role"] = record.role
        if record.contribution is not None and partner.eu_contribution != record.contribution:
            changes["eu_contribution"] = record.contribution
        if changes:
            partner_rows.append((record, partner, changes))
            report.partners_updated += 1
        else:
            report.partners_unchanged += 1
    for ref, record in projects.items():
        if ref in left_alone:
            report.warnings.append(Problem(_("project %(ref)s is a public record; it was left as it is.")
                                           % {"ref": ref}, row=record.row))
    return _Plan(new_organisations=new_orgs, organisation_ids=dict(existing_orgs), new_projects=new_projects,
                 changed_projects=changed_projects, project_ids=project_ids, partner_rows=partner_rows)


def _apply(plan: _Plan, source: str, cluster: Cluster | None) -> None:
    entries: list[AuditEntry] = []
    Organisation.objects.bulk_create(plan.new_organisations, batch_size=500)
    for organisation in plan.new_organisations:
        plan.organisation_ids[organisation.ref] = organisation.pk
        entries.append(audit.created_entry(organisation))
    plan.new_organisation_ids = [o.pk for o in plan.new_organisations]

    today = timezone.localdate()
    new_projects = []
    for record, values in plan.new_projects:
        new_projects.append(Project(ref=record.ref, cluster=cluster, source=source,
                                    status=_status_by_dates(values["start_date"], values["end_date"], today),
                                    **values))
    Project.objects.bulk_create(new_projects, batch_size=500)
    projects_by_ref = {project.ref: project for project in new_projects}
    for project in new_projects:
        plan.project_ids[project.ref] = project.pk
        entries.append(audit.created_entry(project))
    for project, changes in plan.changed_projects:
        entries.append(audit.updated_entry(project, {name: (getattr(project, name), value)
                                                     for name, value in changes.items()}))
        for name, value in changes.items():
            setattr(project, name, value)
        projects_by_ref[project.ref] = project
    if plan.changed_projects:
        names = sorted({name for _, changes in plan.changed_projects for name in changes})
        Project.objects.bulk_update([project for project, _ in plan.changed_projects], names, batch_size=500)

    new_partners, changed_partners = [], []
    for record, partner, changes in plan.partner_rows:
        if partner is None:
            partner = Partner(project_id=plan.project_ids[record.project_ref],
                              organisation_id=plan.organisation_ids[record.org_ref], role=record.role,
                              eu_contribution=record.contribution)
            project = projects_by_ref.get(record.project_ref)
            if project is not None:
                partner.project = project  # the audit entry's cluster, without a query
            new_partners.append(partner)
        else:
            entries.append(audit.updated_entry(partner, {name: (getattr(partner, name), value)
                                                         for name, value in changes.items()}))
            for name, value in changes.items():
                setattr(partner, name, value)
            changed_partners.append(partner)
    Partner.objects.bulk_create(new_partners, batch_size=1000)
    entries.extend(audit.created_entry(partner) for partner in new_partners)
    if changed_partners:
        Partner.objects.bulk_update(changed_partners, ["role", "eu_contribution"], batch_size=1000)
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    bulk_saved.send(sender=Organisation, ids=plan.new_organisation_ids)  # the matching index catches up


def _refresh_statistics() -> None:
    """After a large import the planner's statistics are stale; refresh them at once (as the organisation import)."""
    tables = [Project._meta.db_table, Partner._meta.db_table, Organisation._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("ANALYZE " + connection.ops.quote_name(table))


# --- the two entry points ------------------------------------------------------------------------------------------


def import_participations(data: bytes, filename: str, *, create_missing: bool = False, dry_run: bool = False,
                          cluster: Cluster | None = None, user=None, actor_label: str = "") -> ProjectImportReport:
    started = time.monotonic()
    report = ProjectImportReport(filename=filename)
    read = read_participations(data, filename, report)
    if read is not None and not report.errors:
        import_projects(report, read.projects, read.participations, create_missing=create_missing,
                        source=Project.Source.PARTICIPATIONS, cluster=cluster, dry_run=dry_run, user=user,
                        actor_label=actor_label)
    report.seconds = time.monotonic() - started  # reading the file included
    return report


def import_cordis(projects: bytes, projects_name: str, organizations: bytes, organizations_name: str, *,
                  dry_run: bool = False, cluster: Cluster | None = None, user=None,
                  actor_label: str = "") -> ProjectImportReport:
    """The CORDIS exports: unknown organisations are created from the export's details, known ones left alone."""
    from filiera.projects.sources import read_cordis

    started = time.monotonic()
    report = ProjectImportReport(filename=f"{projects_name} + {organizations_name}")
    files = read_cordis(projects, projects_name, organizations, organizations_name)
    report.file_format = files.file_format
    report.row_count = len(files.projects) + len(files.participations)
    report.errors.extend(files.errors)
    report.warnings.extend(files.warnings)
    if report.errors:
        return report
    # An organisation listed twice in a project (a participant who became a third party) is one partner: the first.
    participations, seen = [], set()
    for record in files.participations:
        if (record.project_ref, record.org_ref) not in seen:
            seen.add((record.project_ref, record.org_ref))
            participations.append(record)
    import_projects(report, {p.ref: p for p in files.projects}, participations,
                    organisations={o.ref: o for o in files.organisations}, source=Project.Source.CORDIS,
                    cluster=cluster, dry_run=dry_run, user=user, actor_label=actor_label)
    report.seconds = time.monotonic() - started
    return report


# --- calls from the Funding & Tenders portal -----------------------------------------------------------------------

CALL_IMPORT_TURN = "call-import"
CALL_STATUSES = {"open": Call.Status.OPEN, "forthcoming": Call.Status.FORTHCOMING, "closed": Call.Status.CLOSED}


@dataclass
class CallImportReport(ProjectImportReport):
    calls_created: int = 0
    calls_updated: int = 0
    calls_unchanged: int = 0

    def summary(self) -> str:
        counts = {"c": self.calls_created, "u": self.calls_updated, "n": self.calls_unchanged}
        if self.applied:
            return _("Imported: calls %(c)s created, %(u)s updated, %(n)s unchanged.") % counts
        return _("Would import: calls %(c)s to create, %(u)s to update, %(n)s unchanged.") % counts


def _call_values(topic) -> dict:
    return {
        "title": topic.title[:400], "programme": topic.programme[:200], "call_identifier": topic.call_identifier[:120],
        "action_type": topic.action_type[:120], "description": topic.description,
        "keywords": "; ".join(topic.keywords)[:1000], "url": topic.url[:500] if topic.url.startswith("http") else "",
        "status": CALL_STATUSES.get(topic.status.lower(), Call.Status.OPEN), "opens_on": topic.opening,
        "deadline": topic.deadline, "budget_min": topic.budget_min, "budget_max": topic.budget_max,
        "expected_grants": topic.expected_grants,
    }


def import_call_topics(data: bytes, filename: str, *, dry_run: bool = False, user=None,
                       actor_label: str = "") -> CallImportReport:
    """Calls from the Funding & Tenders topics file: new topics are created, imported ones updated; a call entered
    by hand with the same identifier is left as it is (a warning). All or nothing."""
    from filiera.projects.sources import read_call_topics

    started = time.monotonic()
    report = CallImportReport(filename=filename, file_format="JSON")
    read = read_call_topics(data)
    report.row_count = len(read.topics)
    report.errors.extend(read.errors)
    report.warnings.extend(read.warnings)
    for topic in read.topics:
        if len(topic.identifier) > 120:
            report.errors.append(Problem(_("the identifier is longer than 120 characters."), row=topic.number,
                                         column="topicId"))
    if report.errors:
        return report
    try:
        with transaction.atomic():
            if not dry_run:
                take_turn(CALL_IMPORT_TURN)  # the next import of topics plans against what this one wrote
            existing = _existing(Call, "identifier", [t.identifier for t in read.topics], "imported",
                                 *_call_values(read.topics[0]).keys()) if read.topics else {}
            new, changed = [], []
            for topic in read.topics:
                values = _call_values(topic)
                call = existing.get(topic.identifier)
                if call is None:
                    new.append(Call(identifier=topic.identifier, imported=True, **values))
                    continue
                if not call.imported:
                    report.warnings.append(Problem(_("a call entered by hand has the identifier %(identifier)s; it "
                                                     "was left as it is.") % {"identifier": topic.identifier},
                                                   row=topic.number))
                    report.calls_unchanged += 1
                    continue
                changes = {name: value for name, value in values.items() if getattr(call, name) != value}
                if changes:
                    changed.append((call, changes))
                else:
                    report.calls_unchanged += 1
            report.calls_created, report.calls_updated = len(new), len(changed)
            if not dry_run:
                with acting_as(user, label=actor_label):
                    Call.objects.bulk_create(new, batch_size=500)
                    entries = [audit.created_entry(call) for call in new]
                    for call, changes in changed:
                        entries.append(audit.updated_entry(call, {name: (getattr(call, name), value)
                                                                  for name, value in changes.items()}))
                        for name, value in changes.items():
                            setattr(call, name, value)
                    if changed:
                        Call.objects.bulk_update([call for call, _ in changed],
                                                 sorted({name for _, changes in changed for name in changes}),
                                                 batch_size=500)
                    AuditEntry.objects.bulk_create(entries, batch_size=500)
                report.applied = True
    except IntegrityError:  # a call entered by hand with one of the identifiers meanwhile
        report.applied = False
        report.errors.append(Problem(_("The calls changed while the file was being imported, so nothing was "
                                       "imported. Import the file again.")))
    report.seconds = time.monotonic() - started
    return report
