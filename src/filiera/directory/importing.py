"""The organisation import: read a CSV or XLSX file (optionally gzip-compressed), validate every row, plan what
changes, list likely duplicates, then apply the plan all at once.

All or nothing: `import_organisations` validates the whole file before it writes anything, and writes inside one
transaction. Every problem is reported as `row N, column NAME: message`, with rows numbered as a spreadsheet shows
them (the header is row 1). The command line (`filiera import organisations`) and the staff's import page call the
same `import_organisations`, so a preview (dry run) shows exactly what the real import does.

Rules a user can rely on (the command's help and the import page repeat them):
- Columns: ref, name, short_name, kind, country, region, city, postcode, website, is_sme, description, language,
  keywords, value_chains. Only ref, name and country are required; `type` is read as `kind` (CORDIS files);
  unknown columns are reported and ignored.
- An organisation is identified by its `ref` (e.g. the EU PIC): importing the same ref again updates it.
- An empty cell never erases: on a new organisation it gives the default, on an existing one it keeps the value.
- kind: our kinds by value or English label, or the CORDIS activity types PRC (private for-profit: SME when is_sme
  says yes, else large enterprise), HES (university), REC (research centre), PUB (public body), OTH (other).
  A CORDIS type is coarse, so on an existing organisation it only replaces the kind "other".
- An invalid website is a warning, not an error: the website is ignored (real registers are full of them).
- A short name longer than 80 characters is a warning and is cut.
- With a cluster, new and matched organisations become its active members, except an existing organisation kept
  by its own representatives or by another cluster (a warning): it must apply, or the importing staff would gain
  the right to edit it.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import gzip
import io
import re
import secrets
import time
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from filiera.core import audit
from filiera.core.access import Viewer
from filiera.core.audit import acting_as
from filiera.core.countries import COUNTRY_ALIASES, COUNTRY_CODES
from filiera.core.locks import take_turn
from filiera.core.models import AuditEntry, Cluster, ValueChain
from filiera.core.spreadsheets import is_escaped
from filiera.directory.duplicates import WEBSITE, Candidate, Match, find_duplicates, website_host
from filiera.directory.exporting import ORGANISATION_COLUMNS
from filiera.directory.models import Membership, Organisation, OrganisationKind, bulk_saved, fold
from filiera.directory.services import change_membership_status, self_managed_organisation_ids

REQUIRED_COLUMNS = ("ref", "name", "country")
IMPORT_TURN = "directory-import"  # every import that writes organisations takes this turn (projects' too)
COLUMN_ALIASES = {"type": "kind"}  # CORDIS calls the kind "type"


CORDIS_KINDS = {
    "HES": OrganisationKind.UNIVERSITY,
    "REC": OrganisationKind.RESEARCH_CENTRE,
    "PUB": OrganisationKind.PUBLIC_BODY,
    "OTH": OrganisationKind.OTHER,
}
CORDIS_PRIVATE = "PRC"

YES = {"yes", "true", "1", "y", "sì", "si", "sí", "ja", "oui", "x"}
NO = {"no", "false", "0", "n", "nej", "nein", "non"}

# Lengths of the model's text fields (a longer value is an error, except the short name, which is cut).
MAX_LENGTHS = {"ref": 40, "name": 255, "region": 120, "city": 120, "postcode": 20, "keywords": 500}
SHORT_NAME_MAX = 80
WEBSITE_MAX = 300

PREVIEW_ROWS = 50

_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


# --- problems and results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One error or warning, located as a spreadsheet user would find it."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(number)s") % {"number": self.row})
        if self.column:
            where.append(_("column %(name)s") % {"name": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


class UnreadableFile(Exception):
    """The file cannot be read as a table at all."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class RowPlan:
    """What the import does with one row of the file."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    INVALID = "invalid"

    row: int
    ref: str
    name: str
    country: str = ""
    kind: str = ""
    action: str = INVALID
    # create: every field of the new organisation; update: the fields that change.
    values: dict = field(default_factory=dict)
    value_chain_ids: list[int] | None = None  # None: leave the value chains as they are
    organisation_id: int | None = None
    slug: str = ""
    membership: str = ""  # with a cluster: "join", "activate", "active" or the kept status

    @property
    def changed_fields(self) -> list[str]:
        """The fields an update changes."""
        if self.action != self.UPDATE:
            return []
        return list(self.values) + (["value_chains"] if self.value_chain_ids is not None else [])

    def get_kind_display(self) -> str:
        return OrganisationKind(self.kind).label if self.kind in OrganisationKind.values else ""

    def get_action_display(self) -> str:
        return {self.CREATE: _("create"), self.UPDATE: _("update"), self.UNCHANGED: _("unchanged"),
                self.INVALID: _("error")}[self.action]

    def get_membership_display(self) -> str:
        labels = {"join": _("joins"), "activate": _("application accepted"), "active": _("already a member"),
                  "not_joined": _("does not join (must apply)"), "": ""}
        if self.membership in labels:
            return labels[self.membership]
        return _("kept: %(status)s") % {"status": Membership.Status(self.membership).label}


@dataclass
class ImportReport:
    """The outcome of reading, validating and planning a file; `applied` once the plan was carried out."""

    filename: str
    cluster: Cluster | None = None
    file_format: str = ""
    encoding: str = ""
    delimiter: str = ""
    compressed: bool = False
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)  # likely duplicates: warnings, never errors
    skipped: list[Problem] = field(default_factory=list)  # with skip_invalid: the errors of the rows left out
    notes: list[str] = field(default_factory=list)
    applied: bool = False
    seconds: float = 0.0
    # Existing organisations the plan updates or links, by id (loaded once, saved by the apply step).
    organisations: dict[int, Organisation] = field(default_factory=dict, repr=False)
    # The cluster's memberships of those organisations (with --cluster).
    memberships: dict[int, Membership] = field(default_factory=dict, repr=False)

    def _count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def to_create(self) -> int:
        return self._count(RowPlan.CREATE)

    @property
    def to_update(self) -> int:
        return self._count(RowPlan.UPDATE)

    @property
    def unchanged(self) -> int:
        return self._count(RowPlan.UNCHANGED)

    @property
    def joining(self) -> int:
        return sum(1 for r in self.rows if r.membership in ("join", "activate"))

    @property
    def delimiter_display(self) -> str:
        return _("tab") if self.delimiter == "\t" else self.delimiter

    @property
    def preview_rows(self) -> list[RowPlan]:
        return self.rows[:PREVIEW_ROWS]

    def summary(self) -> str:
        counts = {"create": self.to_create, "update": self.to_update, "unchanged": self.unchanged}
        if self.applied:
            text = _("Imported: %(create)s created, %(update)s updated, %(unchanged)s unchanged.") % counts
        else:
            text = _("Would import: %(create)s to create, %(update)s to update, %(unchanged)s unchanged.") % counts
        if self.skipped:
            rows = len({problem.row for problem in self.skipped})
            if self.applied:
                skipped = ngettext("%(count)s row with errors was skipped.",
                                   "%(count)s rows with errors were skipped.", rows)
            else:
                skipped = ngettext("%(count)s row with errors would be skipped.",
                                   "%(count)s rows with errors would be skipped.", rows)
            text += " " + skipped % {"count": rows}
        if self.cluster is not None and self.joining:
            joined = {"count": self.joining, "cluster": self.cluster}
            if self.applied:
                joining = ngettext("%(count)s became an active member of %(cluster)s.",
                                   "%(count)s became active members of %(cluster)s.", self.joining)
            else:
                joining = ngettext("%(count)s would become an active member of %(cluster)s.",
                                   "%(count)s would become active members of %(cluster)s.", self.joining)
            text += " " + joining % joined
        return text


# --- reading the file --------------------------------------------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)
    file_format: str
    encoding: str = ""
    delimiter: str = ""
    compressed: bool = False
    notes: list[str] = field(default_factory=list)


def read_table(data: bytes, filename: str = "", *, max_bytes: int | None = None) -> Table:
    """Turn the bytes of a CSV, XLSX or gzip-compressed CSV into rows of text cells, or raise UnreadableFile."""
    max_bytes = settings.FILIERA_IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > max_bytes:
        raise UnreadableFile(Problem(_("The file is larger than the limit of %(limit)s.")
                                     % {"limit": filesizeformat(max_bytes)}))
    compressed = data[:2] == b"\x1f\x8b"
    if compressed:
        data = _gunzip(data, max_bytes)
    if not data.strip():
        raise UnreadableFile(Problem(_("The file is empty.")))
    for signature, kind in _OTHER_FORMATS:
        if data.startswith(signature):
            raise UnreadableFile(Problem(_("This is a %(kind)s, not a CSV or XLSX file.") % {"kind": kind()}))
    name = filename.lower().removesuffix(".gz")
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        table = _read_xlsx(data, max_bytes)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(Problem(_("This is an old Excel file (.xls); save it as .xlsx or as CSV.")))
    else:
        table = _read_csv(data)
    table.compressed = compressed
    return table


# Files people upload by mistake, recognised by their first bytes, so that the message says what they are.
_OTHER_FORMATS = (
    (b"%PDF-", lambda: _("PDF document")),
    (b"\x89PNG\r\n\x1a\n", lambda: _("PNG image")),
    (b"\xff\xd8\xff", lambda: _("JPEG image")),
    (b"GIF87a", lambda: _("GIF image")),
    (b"GIF89a", lambda: _("GIF image")),
    (b"Rar!\x1a\x07", lambda: _("RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", lambda: _("7-Zip archive")),
)
# A workbook is compressed XML: uncompressed, it may take this many times the upload limit (a real one takes two
# to ten); beyond, it is a "zip bomb" that would fill the memory.
XLSX_EXPANSION = 20


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            content = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFile(Problem(_("The file is not a valid gzip file."))) from exc
    if len(content) > max_bytes:
        raise UnreadableFile(Problem(_("Uncompressed, the file is larger than the limit of %(limit)s.")
                                     % {"limit": filesizeformat(max_bytes)}))
    return content


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, or a legacy encoding that
    charset-normalizer recognises with confidence. Returns (text, encoding name)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(Problem(_("The file claims to be UTF-16 but is not."))) from exc
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise UnreadableFile(Problem(_("This is not a CSV or XLSX file: it contains binary data.")))
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(data)
    best = from_bytes(data).best()
    if best is None:
        raise UnreadableFile(Problem(_("The text encoding of the file could not be recognised; save it as CSV UTF-8.")))
    # Short Western European files decode the same in several code pages; charset-normalizer may then name an
    # Eastern one (cp1250 turns "à" into "ŕ"). Windows-1252 is what Excel writes here, so it wins a tie.
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and mess_ratio(western) <= best.chaos + 0.01:
        return western, "cp1252"
    return str(best), best.encoding


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text saved as UTF-16 without a byte-order mark: every other byte of its Latin letters is a zero byte."""
    if len(data) % 2:
        return None
    for encoding, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        if zeros.count(0) >= 0.9 * len(zeros):
            try:
                return data.decode(encoding), "UTF-16"
            except UnicodeDecodeError:
                return None
    return None


_UTF8_LETTER = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _refuse_mixed_encodings(data: bytes) -> None:
    """A file pasted together from a UTF-8 file and a legacy one (Excel's "CSV" on Windows) has lines in both:
    whichever encoding it is read in, some of its accented letters come out wrong, so it is refused."""
    first_legacy = None
    has_utf8 = False
    for number, line in enumerate(data.splitlines(), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            first_legacy = first_legacy or number
            continue
        has_utf8 = has_utf8 or bool(_UTF8_LETTER.search(line))
    if first_legacy and has_utf8:
        raise UnreadableFile(Problem(
            _("the file mixes text encodings: this line is not in UTF-8 while other lines are; save the whole file "
              "as CSV UTF-8."), row=first_legacy))


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    text = text.lstrip("\ufeff")
    # The header is the first line with a word in it (a spreadsheet's empty rows come out as ";;;").
    header_line = next((line for line in text.splitlines() if any(ch.isalnum() for ch in line)), "")
    delimiter = _detect_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 (number is read after the loop on error)
            cells = [cell.strip() for cell in record]
            if not any(cells):
                continue
            if header is None:
                header, header_row = cells, number
            else:
                rows.append((number, cells))
    except csv.Error as exc:
        raise UnreadableFile(Problem(_("This row cannot be read as CSV (%(reason)s).") % {"reason": exc},
                                     row=number + 1)) from exc
    if header is None:
        raise UnreadableFile(Problem(_("The file is empty.")))
    notes = []
    if encoding != "UTF-8":
        notes.append(_("The file is not in UTF-8; it was read as %(encoding)s. Check accented letters below.")
                     % {"encoding": encoding})
    return Table(header=header, header_row=header_row, rows=rows, file_format="CSV", encoding=encoding,
                 delimiter=delimiter, notes=notes)


def _detect_delimiter(header_line: str) -> str:
    """`,`, `;` or tab. csv.Sniffer guesses from the header line; where another delimiter splits the header into
    more known column names, that one is right (a header naming columns is better evidence than a guess)."""
    try:
        sniffed = csv.Sniffer().sniff(header_line, delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = ","
    known = set(ORGANISATION_COLUMNS) | set(COLUMN_ALIASES)

    def recognised(delimiter: str) -> int:
        return sum(1 for name in header_line.split(delimiter) if _column_key(name) in known)

    best = max((",", ";", "\t"), key=lambda d: (recognised(d), d == sniffed))
    return best if recognised(best) > recognised(sniffed) else sniffed


def _read_xlsx(data: bytes, max_bytes: int) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnreadableFile(Problem(_("This is not a valid XLSX workbook."))) from exc
    if not any(member.filename == "[Content_Types].xml" for member in members):
        raise UnreadableFile(Problem(_("This is a ZIP archive but not an XLSX workbook.")))
    limit = XLSX_EXPANSION * max_bytes
    if sum(member.file_size for member in members) > limit:
        raise UnreadableFile(Problem(_("Uncompressed, the workbook is larger than the limit of %(limit)s.")
                                     % {"limit": filesizeformat(limit)}))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) for a broken workbook
        raise UnreadableFile(Problem(_("This is not a valid XLSX workbook."))) from exc
    try:
        if not workbook.worksheets:
            raise UnreadableFile(Problem(_("The workbook has no sheet.")))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers declare wrong dimensions; read what is there
        header: list[str] | None = None
        header_row = 0
        rows: list[tuple[int, list[str]]] = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            texts = [_xlsx_text(cell) for cell in cells]
            if not any(texts):
                continue
            if header is None:
                header, header_row = texts, number
            else:
                rows.append((number, texts))
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(Problem(_("This is not a valid XLSX workbook."))) from exc
    finally:
        workbook.close()
    if header is None:
        raise UnreadableFile(Problem(_("The first sheet of the workbook is empty.")))
    notes = []
    if len(workbook.worksheets) > 1:
        notes.append(_("Only the first sheet, “%(sheet)s”, was read.") % {"sheet": sheet.title})
    return Table(header=header, header_row=header_row, rows=rows, file_format="XLSX", notes=notes)


def _xlsx_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "f":  # a formula: its text starts with "=" and is refused later
        text = value if isinstance(value, str) else str(getattr(value, "text", "") or value)
        return text if text.startswith("=") else "=" + text
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a PIC typed as a number comes back as 916734682.0
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


# --- the header --------------------------------------------------------------------------------------------------


def _column_key(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lstrip("\ufeff").lower())


@dataclass
class Columns:
    positions: dict[str, int]  # field -> cell index
    labels: dict[str, str]  # field -> the column name as the file writes it


def map_columns(table: Table, report: ImportReport) -> Columns | None:
    """Match the header to our fields. Errors for missing required or repeated columns, warnings for unknown ones."""
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    row = table.header_row
    for index, raw in enumerate(table.header):
        key = _column_key(raw)
        if not key:
            if any(index < len(cells) and cells[index] for _, cells in table.rows):
                report.warnings.append(Problem(_("this column has no name in the header; it is ignored."),
                                               row=row, column=get_column_letter(index + 1)))
            continue
        target = COLUMN_ALIASES.get(key, key)
        if target not in ORGANISATION_COLUMNS:
            report.warnings.append(Problem(_("unknown column, ignored."), row=row, column=raw.strip()))
            continue
        if target in positions:
            report.errors.append(Problem(_("the column “%(field)s” appears twice (as “%(first)s” and “%(second)s”).")
                                         % {"field": target, "first": labels[target], "second": raw.strip()},
                                         row=row, column=raw.strip()))
            continue
        if target != key:
            report.notes.append(_("The column “%(column)s” was read as “%(field)s”.")
                                % {"column": raw.strip(), "field": target})
        positions[target] = index
        labels[target] = raw.strip()
    for required in REQUIRED_COLUMNS:
        if required not in positions:
            report.errors.append(Problem(_("this required column is missing from the header."), row=row,
                                         column=required))
    if report.errors:
        return None
    return Columns(positions=positions, labels=labels)


# --- validating rows ---------------------------------------------------------------------------------------------


def _kind_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    languages = ["en"] + [code for code, _name in settings.LANGUAGES if code != "en"]
    for language in languages:
        with translation.override(language):
            for kind in OrganisationKind:
                lookup.setdefault(str(kind.label).strip().lower(), kind.value)
    for kind in OrganisationKind:
        lookup[kind.value] = kind.value
        lookup[kind.value.replace("_", " ")] = kind.value
    lookup.setdefault("start-up", OrganisationKind.STARTUP)
    lookup.setdefault("hospital", OrganisationKind.HOSPITAL)
    return lookup


def _language_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, label in settings.CONTENT_LANGUAGES:
        lookup[code.lower()] = code
        with translation.override("en"):
            lookup[str(label).lower()] = code
    return lookup


def _value_chain_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for chain in ValueChain.objects.all():
        lookup[chain.slug.lower()] = chain.pk
        for label in (chain.labels or {}).values():
            if label:
                lookup.setdefault(fold(str(label)).strip(), chain.pk)
    return lookup


def normalise_website(raw: str) -> str | None:
    """The website with a scheme (https:// when none is given), or None when it is not a web address."""
    url = raw.strip()
    if not _HAS_SCHEME.match(url):
        url = "https://" + url.lstrip("/")
    if len(url) > WEBSITE_MAX:
        return None
    try:
        _URL_VALIDATOR(url)
    except ValidationError:
        return None
    return url


def keyword_list(text: str) -> list[str]:
    seen: dict[str, str] = {}
    for word in text.split(";"):
        word = word.strip()
        if word and word.lower() not in seen:
            seen[word.lower()] = word
    return list(seen.values())


@dataclass
class ParsedRow:
    """What one row of the file says (only its non-empty cells), before it meets the directory."""

    row: int
    ref: str
    name: str
    ok: bool = True
    values: dict = field(default_factory=dict)
    value_chain_ids: list[int] | None = None
    cordis_kind: str = ""  # the CORDIS type the kind came from, if any
    is_sme_given: bool = False
    website_scheme_added: bool = False


class RowValidator:
    """Checks and cleans the rows of one file; every problem goes to the report with its row and column."""

    def __init__(self, columns: Columns, header_width: int, report: ImportReport):
        self.columns = columns
        self.header_width = header_width
        self.report = report
        self.kinds = _kind_lookup()
        self.languages = _language_lookup()
        self.value_chains = _value_chain_lookup()
        self.first_row_of_ref: dict[str, int] = {}

    def _column(self, name: str) -> str:
        return self.columns.labels.get(name, name)

    def error(self, row: int, name: str | None, message: str) -> None:
        self.report.errors.append(Problem(message, row=row, column=self._column(name) if name else None))

    def warning(self, row: int, name: str, message: str) -> None:
        self.report.warnings.append(Problem(message, row=row, column=self._column(name)))

    def _cells(self, row: int, cells: list[str]) -> dict[str, str]:
        raw: dict[str, str] = {}
        for name, index in self.columns.positions.items():
            text = cells[index].strip() if index < len(cells) else ""
            if text.startswith("="):
                self.error(row, name, _("formulas are not accepted; type the value instead."))
                continue
            if is_escaped(text):
                text = text[1:]  # our export protects such cells with an apostrophe; take the value back
            raw[name] = text
        if any(cells[self.header_width:]):
            self.error(row, None, _("this row has more cells than the header has columns; a value that contains "
                                    "the delimiter must be put in quotes."))
        return raw

    def parse(self, row: int, cells: list[str]) -> ParsedRow:
        errors_before = len(self.report.errors)
        raw = self._cells(row, cells)
        parsed = ParsedRow(row=row, ref=raw.get("ref", ""), name=raw.get("name", ""))
        values = parsed.values

        for name in ("ref", "name"):
            if name in raw and not raw[name]:
                self.error(row, name, _("this required cell is empty."))
            elif raw.get(name):
                values[name] = raw[name]
        if parsed.ref:
            first = self.first_row_of_ref.setdefault(parsed.ref, row)
            if first != row:
                self.error(row, "ref", _("the reference %(ref)s is repeated (first on row %(first)s).")
                           % {"ref": parsed.ref, "first": first})

        if "country" in raw:
            country = raw["country"].upper()
            country = COUNTRY_ALIASES.get(country, country)
            if not country:
                self.error(row, "country", _("this required cell is empty."))
            elif country not in COUNTRY_CODES:
                self.error(row, "country", _("“%(value)s” is not an ISO 3166 two-letter country code (IT, DK, ES, …).")
                           % {"value": raw["country"]})
            else:
                values["country"] = country

        for name in ("region", "city", "postcode", "description"):
            if raw.get(name):
                values[name] = raw[name]
        for name, limit in MAX_LENGTHS.items():
            if len(raw.get(name, "")) > limit:
                self.error(row, name, _("too long: %(length)s characters, at most %(limit)s.")
                           % {"length": len(raw[name]), "limit": limit})
        short_name = raw.get("short_name", "")
        if len(short_name) > SHORT_NAME_MAX:
            self.warning(row, "short_name", _("longer than %(limit)s characters; it was cut.")
                         % {"limit": SHORT_NAME_MAX})
            short_name = short_name[:SHORT_NAME_MAX].rstrip()
        if short_name:
            values["short_name"] = short_name

        if raw.get("is_sme"):
            answer = raw["is_sme"].lower()
            if answer in YES or answer in NO:
                values["is_sme"] = answer in YES
                parsed.is_sme_given = True
            else:
                self.error(row, "is_sme", _("“%(value)s” is not yes or no.") % {"value": raw["is_sme"]})

        if raw.get("kind"):
            text = raw["kind"]
            if text.upper() == CORDIS_PRIVATE or text.upper() in CORDIS_KINDS:
                parsed.cordis_kind = text.upper()
                values["kind"] = CORDIS_KINDS.get(parsed.cordis_kind, "")  # PRC is settled with is_sme, below
            elif text.lower() in self.kinds:
                values["kind"] = self.kinds[text.lower()]
            else:
                self.error(row, "kind", _("unknown kind “%(value)s”; use one of %(kinds)s, or a CORDIS type "
                                          "(PRC, HES, REC, PUB, OTH).")
                           % {"value": text, "kinds": ", ".join(OrganisationKind.values)})

        if raw.get("website"):
            website = normalise_website(raw["website"])
            if website is None:
                self.warning(row, "website", _("“%(value)s” is not a web address; it was ignored.")
                             % {"value": raw["website"]})
            else:
                values["website"] = website
                parsed.website_scheme_added = not _HAS_SCHEME.match(raw["website"])

        if raw.get("language"):
            language = self.languages.get(raw["language"].lower())
            if language is None:
                self.error(row, "language", _("“%(value)s” is not a content language; use one of %(codes)s.")
                           % {"value": raw["language"],
                              "codes": ", ".join(code for code, _name in settings.CONTENT_LANGUAGES)})
            else:
                values["language"] = language

        if raw.get("keywords"):
            words = keyword_list(raw["keywords"])
            if words:
                values["keywords"] = ";".join(words)

        if raw.get("value_chains"):
            parsed.value_chain_ids = []
            for item in raw["value_chains"].split(";"):
                item = item.strip()
                if not item:
                    continue
                chain = self.value_chains.get(item.lower()) or self.value_chains.get(fold(item))
                if chain is None:
                    self.error(row, "value_chains", _("unknown value chain “%(value)s”.") % {"value": item})
                elif chain not in parsed.value_chain_ids:
                    parsed.value_chain_ids.append(chain)

        parsed.ok = len(self.report.errors) == errors_before
        return parsed


# --- likely duplicates -------------------------------------------------------------------------------------------


def _duplicate_problem(match: Match) -> Problem:
    """One likely duplicate as a warning, by its first reason (a similar name before the same website)."""
    row, other = match.row, match.other
    reason = match.reasons[0]
    details = {"name": row.name, "other": other.name, "row": other.row, "ref": other.ref or "—",
               "host": row.host}
    if other.row is not None:
        if reason == WEBSITE:
            message = _("“%(name)s” has the same website (%(host)s) as row %(row)s, “%(other)s”.") % details
        else:
            message = _("“%(name)s” looks like row %(row)s, “%(other)s” (similar name, same country).") % details
    elif reason == WEBSITE:
        message = _("“%(name)s” has the same website (%(host)s) as “%(other)s” (reference %(ref)s), already in "
                    "the directory.") % details
    else:
        message = _("“%(name)s” looks like “%(other)s” (reference %(ref)s), already in the directory (similar name, "
                    "same country).") % details
    return Problem(message, row=row.row, column="website" if reason == WEBSITE else "name")


# --- planning ----------------------------------------------------------------------------------------------------

NEW_ORGANISATION = {
    "short_name": "", "kind": OrganisationKind.OTHER, "is_sme": False, "region": "", "city": "", "postcode": "",
    "website": "", "description": "", "language": "en", "keywords": "",
}
CHUNK = 500  # ids per IN (...) query, well below every database's limit on parameters


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _allocate_slug(text: str, taken: set[str], next_suffix: dict[str, int]) -> str:
    """services.unique_slug's rule, against a set of taken slugs held in memory."""
    base = slugify(text)[:100] or "item"
    slug, n = base, next_suffix.get(base, 1)
    if n > 1:
        slug = f"{base}-{n}"
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    next_suffix[base] = n
    taken.add(slug)
    return slug


def _same_website(current: str, parsed: ParsedRow) -> bool:
    """A website given without a scheme matches the stored one whatever its scheme (http or https)."""
    new = parsed.values["website"]
    if current == new:
        return True
    if not parsed.website_scheme_added:
        return False
    strip = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
    return strip.sub("", current).rstrip("/").lower() == strip.sub("", new).rstrip("/").lower()


def _changes(organisation: Organisation, parsed: ParsedRow, current_chains: set[int]) -> tuple[dict, list | None]:
    changes = {}
    for name, value in parsed.values.items():
        current = getattr(organisation, name)
        if name == "kind" and parsed.cordis_kind and current != OrganisationKind.OTHER:
            continue  # a CORDIS type is coarse: it never replaces a precise kind
        if name == "keywords" and keyword_list(current) == keyword_list(value):
            continue
        if name == "website" and _same_website(current, parsed):
            continue
        if current != value:
            changes[name] = value
    chains = parsed.value_chain_ids
    if chains is not None and set(chains) == current_chains:
        chains = None
    return changes, chains


def plan_import(data: bytes, filename: str, *, viewer: Viewer, cluster: Cluster | None = None,
                max_bytes: int | None = None, lock: bool = False) -> ImportReport:
    """Read and validate the whole file and work out, row by row, what the import would do. Writes nothing. With
    `lock` (inside the import's transaction) the organisations it would update stay locked until it ends, so that
    nobody changes them between this plan and its writes."""
    report = ImportReport(filename=filename, cluster=cluster)
    try:
        table = read_table(data, filename, max_bytes=max_bytes)
    except UnreadableFile as exc:
        report.errors.append(exc.problem)
        return report
    report.file_format, report.encoding = table.file_format, table.encoding
    report.delimiter, report.compressed = table.delimiter, table.compressed
    report.notes.extend(table.notes)
    columns = map_columns(table, report)
    if columns is None:
        return report
    if not table.rows:
        report.errors.append(Problem(_("the file has a header but no organisations."), row=table.header_row + 1))
        return report

    validator = RowValidator(columns, len(table.header), report)
    parsed_rows = [validator.parse(number, cells) for number, cells in table.rows]
    valid = [p for p in parsed_rows if p.ok]

    # The directory, in one query: refs to update, slugs taken, names and websites to compare.
    directory = list(Organisation.objects.values_list("pk", "ref", "slug", "name", "country", "website"))
    id_of_ref = {ref: pk for pk, ref, *_rest in directory if ref}
    taken_slugs = {slug for _pk, _ref, slug, *_rest in directory}
    matched_ids = sorted({id_of_ref[p.ref] for p in valid if p.ref in id_of_ref})
    chains_of: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(matched_ids):
        existing = Organisation.objects.select_for_update(no_key=True).order_by("pk") if lock else Organisation.objects
        report.organisations.update(existing.in_bulk(chunk))
        links = Organisation.value_chains.through.objects.filter(organisation_id__in=chunk)
        for organisation_id, chain_id in links.values_list("organisation_id", "valuechain_id"):
            chains_of[organisation_id].add(chain_id)
    visible = set(matched_ids)
    editable = set(matched_ids)
    if not viewer.is_admin:
        visible, editable = set(), set()
        for chunk in _chunks(matched_ids):
            visible |= set(viewer.visible_organisations().filter(pk__in=chunk).values_list("pk", flat=True))
            editable |= viewer.editable_organisation_ids(chunk)
    memberships = report.memberships
    self_managed: set[int] = set()
    if cluster is not None:
        for chunk in _chunks(matched_ids):
            memberships.update({m.organisation_id: m for m in cluster.memberships.filter(organisation_id__in=chunk)})
            if not viewer.is_admin:
                self_managed |= self_managed_organisation_ids(chunk, cluster)

    next_suffix: dict[str, int] = {}
    for parsed in parsed_rows:
        plan = RowPlan(row=parsed.row, ref=parsed.ref, name=parsed.name, country=parsed.values.get("country", ""))
        report.rows.append(plan)
        if not parsed.ok:
            continue
        organisation = report.organisations.get(id_of_ref.get(parsed.ref))
        if parsed.cordis_kind == CORDIS_PRIVATE:
            is_sme = parsed.values["is_sme"] if parsed.is_sme_given else bool(organisation and organisation.is_sme)
            parsed.values["kind"] = OrganisationKind.SME if is_sme else OrganisationKind.LARGE_ENTERPRISE
        if parsed.values.get("kind") == OrganisationKind.SME and not parsed.is_sme_given:
            parsed.values["is_sme"] = True
        if organisation is None:
            plan.action = RowPlan.CREATE
            plan.values = {**NEW_ORGANISATION, **parsed.values}
            plan.value_chain_ids = parsed.value_chain_ids or []
            plan.slug = _allocate_slug(plan.values["short_name"] or plan.values["name"], taken_slugs, next_suffix)
            plan.kind = plan.values["kind"]
        elif organisation.pk not in visible:
            validator.error(parsed.row, "ref", _("this reference belongs to an organisation you may not see; ask a "
                                                 "platform administrator."))
            plan.action = RowPlan.INVALID
            continue
        else:
            plan.organisation_id = organisation.pk
            changes, chains = _changes(organisation, parsed, chains_of.get(organisation.pk, set()))
            plan.kind = changes.get("kind", organisation.kind)
            if (changes or chains is not None) and organisation.pk not in editable:
                report.warnings.append(Problem(
                    _("“%(name)s” is already in the directory and only the staff of its own clusters may change "
                      "it; its profile is kept as it is.") % {"name": organisation.name}, row=parsed.row))
                changes, chains = {}, None
            plan.values, plan.value_chain_ids = changes, chains
            plan.action = RowPlan.UPDATE if (changes or chains is not None) else RowPlan.UNCHANGED
        if cluster is not None:
            membership = memberships.get(plan.organisation_id) if plan.organisation_id else None
            if membership is None and plan.organisation_id in self_managed:
                plan.membership = "not_joined"
                report.warnings.append(Problem(
                    _("“%(name)s” is kept by its own representatives or another cluster; it does not join "
                      "%(cluster)s through an import: ask it to apply.") % {"name": parsed.name, "cluster": cluster},
                    row=parsed.row))
            elif membership is None:
                plan.membership = "join"
            elif membership.status == Membership.Status.APPLICANT:
                plan.membership = "activate"
            elif membership.status == Membership.Status.ACTIVE:
                plan.membership = "active"
            else:
                plan.membership = membership.status
                report.warnings.append(Problem(
                    _("the membership of “%(name)s” in %(cluster)s is “%(status)s”; it is kept as it is.")
                    % {"name": parsed.name, "cluster": cluster, "status": membership.get_status_display()},
                    row=parsed.row))

    if not viewer.is_admin:
        # Likely duplicates name only organisations the importing staff may see.
        seen = set(viewer.visible_organisations().values_list("pk", flat=True))
        directory = [row for row in directory if row[0] in seen]
    report.duplicates = _likely_duplicates(report, directory)
    for problems in (report.errors, report.warnings):
        problems.sort(key=lambda problem: problem.row or 0)  # stable: a row's problems keep their column order
    return report


def _likely_duplicates(report: ImportReport, directory: list[tuple]) -> list[Problem]:
    rows = [Candidate(name=plan.values.get("name") or plan.name, country=plan.country,
                      host=website_host(plan.values.get("website", "")), row=plan.row, ref=plan.ref)
            for plan in report.rows if plan.action != RowPlan.INVALID]
    # The file's version of an organisation it updates is compared as a row, not again as the stored one.
    in_file = {plan.ref for plan in report.rows}
    existing = [Candidate(name=name, country=country, host=website_host(website), ref=ref or "", organisation_id=pk)
                for pk, ref, _slug, name, country, website in directory if not ref or ref not in in_file]
    return [_duplicate_problem(match) for match in find_duplicates(rows, existing)]


# --- applying ----------------------------------------------------------------------------------------------------


def import_organisations(viewer: Viewer, data: bytes, filename: str, *, cluster: Cluster | None = None,
                         dry_run: bool = False, skip_invalid: bool = False, user=None, actor_label: str = "",
                         max_bytes: int | None = None) -> ImportReport:
    """Import organisations from a CSV / XLSX file, all or nothing: plan the whole file, and only when it has no
    error (and this is not a dry run) apply the plan in one transaction. With a cluster, every imported
    organisation becomes an active member of it. Audit entries name `user` (or `actor_label`).

    `skip_invalid` (the command line's --skip-invalid, for open-data registers) leaves out the rows with errors
    instead of refusing the file; errors in the file itself or its header still refuse it."""
    if not (viewer.is_admin or (cluster is not None and viewer.is_staff_of(cluster))):
        raise PermissionDenied
    started = time.monotonic()
    try:
        with transaction.atomic():
            if not dry_run:
                # Imports take turns: the next one plans against what this one wrote (no duplicate refs or
                # slugs, no file refused because another import was running).
                take_turn(IMPORT_TURN)
            report = plan_import(data, filename, viewer=viewer, cluster=cluster, max_bytes=max_bytes,
                                 lock=not dry_run)
            if skip_invalid:
                _skip_invalid_rows(report)
            if not report.errors and not dry_run:
                with acting_as(user, label=actor_label):
                    _apply(report, viewer, cluster)
                report.applied = True
    except (IntegrityError, ValidationError):
        # Someone created an organisation with the same ref or slug, or changed a membership, meanwhile; the
        # transaction rolled back.
        report.applied = False
        report.errors.append(Problem(_("The directory changed while the file was being imported, so nothing was "
                                       "imported. Import the file again.")))
    if report.applied and len(report.rows) >= REFRESH_STATISTICS_AFTER:
        _refresh_statistics()
    report.seconds = time.monotonic() - started
    return report


# After a large import the query planner's statistics are stale (the directory's facet queries then pick slow
# plans until autovacuum catches up); refresh them at once.
REFRESH_STATISTICS_AFTER = 1000


def _refresh_statistics() -> None:
    tables = [Organisation._meta.db_table, Membership._meta.db_table, AuditEntry._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        elif connection.vendor == "sqlite":
            for table in tables:
                cursor.execute("ANALYZE " + connection.ops.quote_name(table))


def _skip_invalid_rows(report: ImportReport) -> None:
    """Move the errors of invalid rows to `skipped`, when every error belongs to such a row."""
    invalid = {plan.row for plan in report.rows if plan.action == RowPlan.INVALID}
    if report.errors and all(problem.row in invalid for problem in report.errors):
        report.skipped, report.errors = report.errors, []


def _apply(report: ImportReport, viewer: Viewer, cluster: Cluster | None) -> None:
    # New organisations and memberships are written in bulk, which skips the audit log's signals, so their
    # audit entries are written here in bulk too, as the signals would write them (inside acting_as).
    entries: list[AuditEntry] = []

    organisation_of_row: dict[int, Organisation] = {}
    creates = [plan for plan in report.rows if plan.action == RowPlan.CREATE]
    new_organisations = []
    for plan in creates:
        organisation = Organisation(slug=plan.slug, **plan.values)
        organisation.search_text = organisation.build_search_text()
        new_organisations.append(organisation)
        organisation_of_row[plan.row] = organisation
    Organisation.objects.bulk_create(new_organisations, batch_size=CHUNK)
    links = []
    Link = Organisation.value_chains.through
    for plan, organisation in zip(creates, new_organisations, strict=True):
        links.extend(Link(organisation_id=organisation.pk, valuechain_id=chain) for chain in plan.value_chain_ids)
        extra = {"value_chains": [[], sorted(plan.value_chain_ids)]} if plan.value_chain_ids else None
        entries.append(audit.created_entry(organisation, extra))
    Link.objects.bulk_create(links, batch_size=CHUNK)

    for plan in report.rows:
        if plan.organisation_id is None:
            continue
        organisation = report.organisations[plan.organisation_id]
        organisation_of_row[plan.row] = organisation
        if plan.action != RowPlan.UPDATE:
            continue
        for name, value in plan.values.items():
            setattr(organisation, name, value)
        if plan.values:
            organisation.save(update_fields=list(plan.values))  # the audit log's signal records old and new
        if plan.value_chain_ids is not None:
            organisation.value_chains.set(plan.value_chain_ids)

    if cluster is not None:
        today = timezone.localdate()
        joining = [Membership(organisation=organisation_of_row[plan.row], cluster=cluster,
                              status=Membership.Status.ACTIVE, joined_on=today)
                   for plan in report.rows if plan.membership == "join"]
        Membership.objects.bulk_create(joining, batch_size=CHUNK)
        for membership in joining:
            entries.append(audit.created_entry(membership))
        for plan in report.rows:
            if plan.membership == "activate":
                change_membership_status(viewer, report.memberships[plan.organisation_id], Membership.Status.ACTIVE)
    AuditEntry.objects.bulk_create(entries, batch_size=CHUNK)
    bulk_saved.send(sender=Organisation, ids=sorted({o.pk for o in organisation_of_row.values()}))


# --- uploads waiting for confirmation (the staff's preview) ------------------------------------------------------

UPLOAD_MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def store_upload(data: bytes) -> str:
    """Keep an uploaded file until its preview is confirmed; returns the token that names it."""
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    purge_stale_uploads()
    token = secrets.token_urlsafe(24)
    (directory / token).write_bytes(data)
    return token


def load_upload(token: str) -> bytes | None:
    if not _TOKEN.match(token or ""):
        return None
    path = _upload_dir() / token
    return path.read_bytes() if path.is_file() else None


def discard_upload(token: str) -> None:
    if _TOKEN.match(token or ""):
        (_upload_dir() / token).unlink(missing_ok=True)


def purge_stale_uploads(max_age: int = UPLOAD_MAX_AGE) -> None:
    """Previews never confirmed leave their file behind; remove those older than a day."""
    directory = _upload_dir()
    if not directory.is_dir():
        return
    limit = time.time() - max_age
    for path in directory.iterdir():
        if path.is_file() and _TOKEN.match(path.name) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
