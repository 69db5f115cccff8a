"""Readers for the files that feed projects and calls: the CORDIS exports of EU projects (a projects file and an
organisations file, as JSON, semicolon CSV or XLSX) and the EU Funding & Tenders portal's call topics (a stream of
JSON objects). They turn bytes into plain records and a list of problems, each located where the user finds it (a
spreadsheet's row, or a JSON object's position from 1); they write nothing, and a service decides what the records
become. A row with an error gives no record, and every problem of every row is reported, not only the first."""

from __future__ import annotations

import codecs
import datetime
import html
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import ftfy
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from filiera.directory.importing import NO, YES, Problem, Table, UnreadableFile, _gunzip, decode_text, read_table
from filiera.projects.records import PARTNER, OrganisationRecord, ParticipationRecord, ProjectRecord, role_of

GZIP_MAGIC = b"\x1f\x8b"


# --- shared conversions ------------------------------------------------------------------------------------------


def _unpacked(data: bytes) -> bytes:
    """The file's content, gunzipped when compressed, within the import size limit."""
    limit = settings.FILIERA_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise UnreadableFile(Problem(_("The file is larger than the limit of %(limit)s.")
                                     % {"limit": filesizeformat(limit)}))
    return _gunzip(data, limit) if data[:2] == GZIP_MAGIC else data


def _first_byte(data: bytes) -> bytes:
    """The first byte of the content, past a UTF-8 byte-order mark and whitespace."""
    return data.removeprefix(codecs.BOM_UTF8).lstrip()[:1]


def _amount(value: object) -> Decimal | None:
    """A number at least 0 from a JSON number or a text, None when empty; ValueError when it is not one."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ValueError(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # CORDIS CSV files write "101058,75"
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(value) from exc
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError(value)
    return Decimal(format(amount, "f"))  # JSON writes 1.732084396E7: keep the plain notation


# --- CORDIS exports ----------------------------------------------------------------------------------------------


@dataclass
class CordisFiles:
    """What a CORDIS export's projects file and organisations file say."""

    projects: list[ProjectRecord] = field(default_factory=list)
    organisations: list[OrganisationRecord] = field(default_factory=list)  # one per organisationID
    participations: list[ParticipationRecord] = field(default_factory=list)  # one per organisations file row
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    file_format: str = ""  # JSON, CSV or XLSX; "JSON + CSV" when the two files differ


# An ISO date; an XLSX date cell comes back with a time ("2015-06-01T00:00:00").
_CORDIS_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+)?")

# What a later row of the same organisation may fill in when its first row left it empty.
_FILLABLE = ("short_name", "cordis_type", "country", "city", "postcode", "region", "website")


class _File:
    """One file of the export: its rows as {column name in lower case: value}, and its problems, each message
    starting with the file's name (both files report into the same lists)."""

    def __init__(self, name: str, data: bytes, files: CordisFiles):
        self.name = name
        self.errors, self.warnings = files.errors, files.warnings
        self.file_format = ""
        self.header_row: int | None = None  # JSON has no header
        self.labels: dict[str, str] = {}  # column name in lower case -> as the file writes it
        self.rows: list[tuple[int, dict[str, object]]] = []
        self.readable = True
        try:
            data = _unpacked(data)
            if _first_byte(data) in (b"[", b"{"):
                self._load_json(data)
            else:
                self._load_table(read_table(data, name))
        except UnreadableFile as exc:
            self.readable = False
            self.errors.append(Problem(f"{name}: {exc.problem.message}", row=exc.problem.row,
                                       column=exc.problem.column))

    def _load_json(self, data: bytes) -> None:
        text, _encoding = decode_text(data)
        try:
            items = json.loads(text, parse_float=Decimal)  # exact amounts, as a CSV file gives them
        except json.JSONDecodeError as exc:
            raise UnreadableFile(Problem(_("This is not valid JSON (line %(line)s: %(reason)s).")
                                         % {"line": exc.lineno, "reason": exc.msg})) from exc
        if isinstance(items, dict):
            lists = [value for value in items.values() if isinstance(value, list)]
            if len(lists) == 1:  # {"project": [...]}: the rows wrapped under one key
                items = lists[0]
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise UnreadableFile(Problem(_("This JSON file is not a list of objects.")))
        self.file_format = "JSON"
        for number, item in enumerate(items, start=1):
            for name in item:
                self.labels.setdefault(name.lower(), name)
            self.rows.append((number, {name.lower(): value for name, value in item.items()}))

    def _load_table(self, table: Table) -> None:
        self.file_format, self.header_row = table.file_format, table.header_row
        keys = [name.lower() for name in table.header]
        for key, name in zip(keys, table.header, strict=True):
            if key:
                self.labels.setdefault(key, name)
        for number, cells in table.rows:
            row: dict[str, object] = {}
            for index, key in enumerate(keys):
                if key and key not in row:
                    row[key] = cells[index] if index < len(cells) else ""
            if any(cells[len(keys):]):
                self.error(number, None, _("this row has more cells than the header has columns; a value that "
                                           "contains the delimiter must be put in quotes."))
            self.rows.append((number, row))

    def _problem(self, row: int | None, name: str | None, message: str) -> Problem:
        column = self.labels.get(name.lower(), name) if name else None
        return Problem(f"{self.name}: {message}", row=row, column=column)

    def error(self, row: int | None, name: str | None, message: str) -> None:
        self.errors.append(self._problem(row, name, message))

    def warning(self, row: int | None, name: str | None, message: str) -> None:
        self.warnings.append(self._problem(row, name, message))

    def require_columns(self, *names: str) -> None:
        for name in names:
            if name.lower() not in self.labels:
                self.error(self.header_row, name, _("this required column is missing."))

    def text(self, row: int, cells: dict, name: str) -> str:
        value = cells.get(name.lower())
        if value is None:
            return ""
        if isinstance(value, dict | list):
            self.error(row, name, _("a text was expected here, not a list or an object."))
            return ""
        text = str(value).strip()  # JSON gives ids and post codes as numbers
        if text.startswith("=") and self.file_format != "JSON":
            self.error(row, name, _("formulas are not accepted; type the value instead."))
            return ""
        return text

    def required(self, row: int, cells: dict, name: str) -> str:
        value = cells.get(name.lower())
        if value is None or (isinstance(value, str) and not value.strip()):
            if name.lower() in self.labels:  # a missing column was reported once, not on every row
                self.error(row, name, _("this required cell is empty."))
            return ""
        return self.text(row, cells, name)

    def amount(self, row: int, cells: dict, name: str) -> Decimal | None:
        value = cells.get(name.lower())
        if isinstance(value, str):
            value = self.text(row, cells, name)
        try:
            return _amount(value)
        except ValueError:
            self.error(row, name, _("“%(value)s” is not an amount (a number, at least 0).") % {"value": value})
            return None

    def date(self, row: int, cells: dict, name: str) -> datetime.date | None:
        text = self.text(row, cells, name)
        if not text:
            return None
        match = _CORDIS_DATE.fullmatch(text)
        if match:
            try:
                return datetime.date.fromisoformat(match[1])
            except ValueError:
                pass
        self.error(row, name, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text})
        return None

    def flag(self, row: int, cells: dict, name: str) -> bool | None:
        """Yes or no; None when the cell is empty (CORDIS leaves SME blank for many)."""
        value = cells.get(name.lower())
        if isinstance(value, bool):
            return value
        text = self.text(row, cells, name)
        if not text:
            return None
        if text.lower() in YES or text.lower() in NO:
            return text.lower() in YES
        self.error(row, name, _("“%(value)s” is not yes or no.") % {"value": text})
        return None


def read_cordis(projects: bytes, projects_name: str, organizations: bytes, organizations_name: str) -> CordisFiles:
    """Read a CORDIS export: its projects file (project.json / project.csv / .xlsx) and its organisations file
    (organization.json / …), which lists one row per organisation and project."""
    files = CordisFiles()
    project_file = _File(projects_name, projects, files)
    project_refs = _read_projects(project_file, files) if project_file.readable else None
    organisation_file = _File(organizations_name, organizations, files)
    if organisation_file.readable:
        _read_organisations(organisation_file, files, project_refs)
    formats = [f.file_format for f in (project_file, organisation_file) if f.file_format]
    files.file_format = " + ".join(dict.fromkeys(formats))
    return files


def _read_projects(file: _File, files: CordisFiles) -> set[str]:
    """Add the file's projects; returns every project id it names, so that a participation in a project whose row
    has an error is not also reported as unknown."""
    file.require_columns("id")
    if not file.rows:
        file.error(None, None, _("the file has no projects."))
    first_row: dict[str, int] = {}
    for number, cells in file.rows:
        errors = len(files.errors)
        ref = file.required(number, cells, "id")
        if ref:
            first = first_row.setdefault(ref, number)
            if first != number:
                file.error(number, "id", _("the reference %(ref)s is repeated (first on row %(first)s).")
                           % {"ref": ref, "first": first})
        calls = [file.text(number, cells, name) for name in ("topics", "masterCall", "subCall")]
        project = ProjectRecord(
            ref=ref, row=number,
            acronym=file.text(number, cells, "acronym"),
            title=file.text(number, cells, "title"),
            programme=file.text(number, cells, "frameworkProgramme"),
            call=next((call for call in calls if call), ""),
            summary=file.text(number, cells, "objective"),
            start_date=file.date(number, cells, "startDate"),
            end_date=file.date(number, cells, "endDate"),
            total_cost=file.amount(number, cells, "totalCost"),
            eu_contribution=file.amount(number, cells, "ecMaxContribution"),
        )
        if project.start_date and project.end_date and project.end_date < project.start_date:
            file.error(number, "endDate", _("the end date %(end)s is before the start date %(start)s.")
                       % {"end": project.end_date.isoformat(), "start": project.start_date.isoformat()})
        if ref and len(files.errors) == errors:
            files.projects.append(project)
    return set(first_row)


def _activity_type(file: _File, row: int, cells: dict) -> str:
    # A few CORDIS rows repeat the type ("PRC;PRC"); one type is what it means.
    types = list(dict.fromkeys(part.strip().upper() for part in file.text(row, cells, "activityType").split(";")
                               if part.strip()))
    if len(types) > 1:
        file.warning(row, "activityType", _("several activity types (%(types)s); the first is kept.")
                     % {"types": ", ".join(types)})
    return types[0] if types else ""


def _country(file: _File, row: int, cells: dict) -> str:
    # The same rows repeat the country too ("FI;FI"): one country is what it means.
    countries = list(dict.fromkeys(part.strip() for part in file.text(row, cells, "country").split(";")
                                   if part.strip()))
    if len(countries) > 1:
        file.warning(row, "country", _("several countries (%(countries)s); the first is kept.")
                     % {"countries": ", ".join(countries)})
    return countries[0] if countries else ""


def _read_organisations(file: _File, files: CordisFiles, project_refs: set[str] | None) -> None:
    file.require_columns("projectID", "organisationID", "name")
    if not file.rows:
        file.error(None, None, _("the file has no organisations."))
    kept: dict[str, OrganisationRecord] = {}
    sme_unknown: set[str] = set()  # organisations whose SME status no row has given yet
    first_pair: dict[tuple[str, str], int] = {}
    for number, cells in file.rows:
        errors = len(files.errors)
        project_ref = file.required(number, cells, "projectID")
        org_ref = file.required(number, cells, "organisationID")
        name = file.required(number, cells, "name")
        if project_ref and project_refs is not None and project_ref not in project_refs:
            file.error(number, "projectID", _("the project %(ref)s is not in the projects file.")
                       % {"ref": project_ref})
        role_text = file.text(number, cells, "role")
        role = role_of(role_text)
        if role is None and role_text:
            file.error(number, "role", _("unknown role “%(value)s”; CORDIS roles are coordinator, participant, "
                                         "thirdParty, associatedPartner and partnerOrganisation.")
                       % {"value": role_text})
        elif role is None:
            file.warning(number, "role", _("no role is given; the organisation is read as a participant."))
            role = PARTNER
        contribution = file.amount(number, cells, "ecContribution")
        is_sme = file.flag(number, cells, "SME")
        organisation = OrganisationRecord(
            ref=org_ref, row=number, name=name,
            short_name=file.text(number, cells, "shortName"),
            cordis_type=_activity_type(file, number, cells),
            is_sme=bool(is_sme),
            country=_country(file, number, cells),
            city=file.text(number, cells, "city"),
            postcode=file.text(number, cells, "postCode"),
            region=file.text(number, cells, "nutsCode"),
            website=file.text(number, cells, "organizationURL"),
        )
        if not (project_ref and org_ref and name) or len(files.errors) > errors:
            continue
        first = first_pair.setdefault((project_ref, org_ref), number)
        if first != number:
            # CORDIS lists an organisation twice when it changed role (a participant that became a third party).
            file.warning(number, "organisationID", _("the organisation %(org)s is listed again in the project "
                                                     "%(project)s (first on row %(first)s).")
                         % {"org": org_ref, "project": project_ref, "first": first})
        files.participations.append(ParticipationRecord(project_ref=project_ref, org_ref=org_ref, row=number,
                                                        role=role, contribution=contribution))
        known = kept.get(org_ref)
        if known is None:
            kept[org_ref] = organisation
            files.organisations.append(organisation)
            if is_sme is None:
                sme_unknown.add(org_ref)
            continue
        # The first row wins; a later row only fills what it left empty (the SME status is often blank in one
        # project and given in another).
        for attribute in _FILLABLE:
            if not getattr(known, attribute):
                setattr(known, attribute, getattr(organisation, attribute))
        if org_ref in sme_unknown and is_sme is not None:
            known.is_sme = is_sme
            sme_unknown.discard(org_ref)


# --- Funding & Tenders call topics -------------------------------------------------------------------------------


@dataclass
class CallTopic:
    identifier: str  # the topic id (HORIZON-HLTH-2026-DISEASE-03), else the portal's reference
    number: int  # position in the stream, from 1
    title: str = ""
    programme: str = ""
    cluster: str = ""  # the Horizon Europe cluster (CL1 is Health), or JU, MISS, EIC …
    call_identifier: str = ""
    action_type: str = ""  # RIA, IA, CSA, Grant …
    deadline: datetime.date | None = None  # the first, when the topic has several (two stages)
    opening: datetime.date | None = None
    status: str = ""  # open, forthcoming, closed
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    expected_grants: int | None = None
    keywords: list[str] = field(default_factory=list)
    url: str = ""
    description: str = ""  # the description, then the objectives, as plain text


@dataclass
class CallTopics:
    topics: list[CallTopic] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


_OPENING_FIELDS = ("openingDate", "plannedOpeningDate", "startDate")
_STREAM_SPACE = re.compile(r"[\s\ufeff]*")  # concatenated exports may carry a byte-order mark each
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TAG = re.compile(r"<(?:/?[a-zA-Z][^>]*|!--.*?--)>", re.DOTALL)
_BLOCK_END = re.compile(r"<(?:br|/?p|/div|/li|/h[1-6]|/tr|/ul|/ol)\b[^>]*>", re.IGNORECASE)


def _fixed(value: object) -> str:
    # The portal's texts went through cp1252 once too often ("beneficiariesâ€™"). Typographic quotes are kept.
    return "" if value is None else ftfy.fix_text(str(value), uncurl_quotes=False)


def _line(value: object) -> str:
    return " ".join(_fixed(value).split())


def _plain(value: object) -> str:
    """Text from a field that may hold HTML: tags dropped (a block ends a line), entities decoded, spaces
    normalised, paragraphs kept."""
    text = _fixed(value)
    if _TAG.search(text):
        text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", text)))
    lines = "\n".join(" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines).strip()


def _keywords(value: object) -> list[str]:
    items = value if isinstance(value, list) else _fixed(value).split(",")
    words: dict[str, str] = {}
    for item in items:
        word = _line(item)
        if word:
            words.setdefault(word.casefold(), word)  # the portal repeats the topic id among them
    return list(words.values())


def _first_day(value: object) -> datetime.date | None:
    """The earliest ISO date in a text or list ("2026-03-17T17:00:00", or one per stage); ValueError when there is
    text but no date in it."""
    text = " ".join(map(str, value)) if isinstance(value, list) else str(value or "")
    if not text.strip():
        return None
    days = [datetime.date.fromisoformat(day) for day in _ISO_DAY.findall(text)]
    if not days:
        raise ValueError(text)
    return min(days)


def _whole_number(value: object) -> int | None:
    amount = _amount(value)
    if amount is None:
        return None
    if amount != amount.to_integral_value():
        raise ValueError(value)
    return int(amount)


def _topic_text(data: bytes) -> str:
    data = _unpacked(data)
    if not data.strip():
        raise UnreadableFile(Problem(_("The file is empty.")))
    if _first_byte(data) != b"{":
        raise UnreadableFile(Problem(_("This is not a file of call topics: it does not start with a JSON object.")))
    text, _encoding = decode_text(data)
    return text


def read_call_topics(data: bytes) -> CallTopics:
    """Read the Funding & Tenders portal's call topics: JSON objects one after the other, with or without a line
    between them (gzip-compressed or not). A topic repeated keeps its first occurrence; an object that is not
    valid JSON stops the reading, as nothing after it can be trusted."""
    result = CallTopics()
    try:
        text = _topic_text(data)
    except UnreadableFile as exc:
        result.errors.append(exc.problem)
        return result
    decoder = json.JSONDecoder(parse_float=Decimal)
    first_of: dict[str, int] = {}
    position = number = 0
    while (position := _STREAM_SPACE.match(text, position).end()) < len(text):
        number += 1
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            result.errors.append(Problem(
                _("topic %(number)s is not valid JSON (line %(line)s, character %(column)s: %(reason)s); the rest "
                  "of the file was not read.")
                % {"number": number, "line": exc.lineno, "column": exc.colno, "reason": exc.msg}, row=number))
            break
        topic = _topic(item, number, result)
        if topic is None:
            continue
        first = first_of.setdefault(topic.identifier, number)
        if first != number:
            result.warnings.append(Problem(_("topic %(number)s repeats %(identifier)s (first as topic %(first)s); "
                                             "it was left out.")
                                           % {"number": number, "identifier": topic.identifier, "first": first},
                                           row=number, column="topicId"))
            continue
        result.topics.append(topic)
    if number == 0:
        result.errors.append(Problem(_("The file has no call topics.")))
    return result


def _topic(item: object, number: int, result: CallTopics) -> CallTopic | None:
    """The topic the object describes, or None when it has an error (reported)."""
    if not isinstance(item, dict):
        result.errors.append(Problem(_("topic %(number)s is not a JSON object.") % {"number": number}, row=number))
        return None
    fields = {name.lower(): value for name, value in item.items()}
    errors = len(result.errors)

    def error(name: str, message: str) -> None:
        result.errors.append(Problem(message, row=number, column=name))

    def parsed(convert, name: str, message: str):
        value = fields.get(name.lower())
        try:
            return convert(value)
        except ValueError:
            error(name, message % {"value": value})
            return None

    identifier = _line(fields.get("topicid")) or _line(fields.get("reference"))
    title = _line(fields.get("title"))
    if not identifier:
        error("topicId", _("topic %(number)s has no identifier (topicId or reference).") % {"number": number})
    if not title:
        error("title", _("topic %(number)s has no title.") % {"number": number})
    bad_date = _("“%(value)s” is not a date (YYYY-MM-DD).")
    bad_amount = _("“%(value)s” is not an amount (a number, at least 0).")
    opening_field = next((name for name in _OPENING_FIELDS if name.lower() in fields), _OPENING_FIELDS[0])
    topic = CallTopic(
        identifier=identifier, number=number, title=title,
        programme=_line(fields.get("programme")),
        cluster=_line(fields.get("cluster")),
        call_identifier=_line(fields.get("callidentifier")),
        action_type=_line(fields.get("actiontype")),
        deadline=parsed(_first_day, "deadline", bad_date),
        opening=parsed(_first_day, opening_field, bad_date),
        status=_line(fields.get("callstatus")),
        budget_min=parsed(_amount, "budgetMin", bad_amount),
        budget_max=parsed(_amount, "budgetMax", bad_amount),
        expected_grants=parsed(_whole_number, "expectedGrants", _("“%(value)s” is not a whole number.")),
        keywords=_keywords(fields.get("keywords")),
        url=_line(fields.get("portalurl")),
        description="\n\n".join(part for part in (_plain(fields.get("description")),
                                                  _plain(fields.get("objectives"))) if part),
    )
    return topic if len(result.errors) == errors else None
