"""The excellence self-assessment use cases: start an assessment, gather the live figures that answer most criteria
(monitoring.services: the cluster's facts and targets, the figures staff entered, the improvement actions), record
staff's answers and their evidence, review it against every label level (monitoring.excellence), complete it (its
results are frozen, so the history shows it as it was), the improvement actions, and the evidence pack (a ZIP with a
printable PDF of the assessment and every evidence file).

Staff of the cluster change everything; its observers read. Live criteria keep their live figure: staff may comment
on them and attach evidence, never give them another value.
"""

from __future__ import annotations

import csv
import datetime
import io
import mimetypes
import os
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filiera.core.access import Viewer
from filiera.core.models import Cluster, ExcellenceLabel
from filiera.core.spreadsheets import safe_cell
from filiera.monitoring import excellence, kpis
from filiera.monitoring import services as monitoring
from filiera.monitoring.models import Assessment, AssessmentAnswer, EvidenceDocument, ImprovementAction

LEVEL_LABELS = {excellence.BRONZE: gettext_lazy("Bronze"), excellence.SILVER: gettext_lazy("Silver"),
                excellence.GOLD: gettext_lazy("Gold")}
REASON_LABELS = {
    excellence.NO_DATA: gettext_lazy("no figure for the year"),
    excellence.BELOW: gettext_lazy("below the threshold"),
    excellence.NOT_ANSWERED: gettext_lazy("not answered yet"),
    excellence.ANSWERED_NO: gettext_lazy("answered no"),
    excellence.NO_EVIDENCE: gettext_lazy("no evidence attached"),
}
SOURCE_LABELS = {excellence.MEMBER_HELICES: gettext_lazy("Members by helix"),
                 excellence.TARGETS: gettext_lazy("Targets set for the year"),
                 excellence.IMPROVEMENT_ACTIONS: gettext_lazy("Improvement actions")}

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
ZIP_SIGNATURE = b"PK\x03\x04"
# Allowed evidence types and how their content starts (None: text, which must not hold NUL bytes).
EVIDENCE_TYPES: dict[str, bytes | None] = {
    "pdf": b"%PDF", "docx": ZIP_SIGNATURE, "xlsx": ZIP_SIGNATURE, "pptx": ZIP_SIGNATURE, "odt": ZIP_SIGNATURE,
    "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff", "txt": None, "csv": None,
}
MAX_NAME_LENGTH = 100


# --- access --------------------------------------------------------------------------------------------------------


def can_read(viewer: Viewer, cluster: Cluster) -> bool:
    return viewer.can_read_dashboard(cluster)


def can_change(viewer: Viewer, cluster: Cluster) -> bool:
    return viewer.is_staff_of(cluster)


def _require_staff(viewer: Viewer, cluster: Cluster) -> None:
    if not can_change(viewer, cluster):
        raise PermissionDenied


def _require_draft(assessment: Assessment) -> None:
    if assessment.status != Assessment.Status.DRAFT:
        raise ValidationError(_("This assessment is completed: its answers and evidence are kept as they were."))


def assessments_of(cluster: Cluster) -> QuerySet:
    return Assessment.objects.filter(cluster=cluster)


def criterion(code: str) -> excellence.Criterion:
    if code not in excellence.BY_CODE:
        raise ValidationError({"criterion": _("“%(code)s” is not a criterion of the assessment.") % {"code": code}})
    return excellence.BY_CODE[code]


# --- starting --------------------------------------------------------------------------------------------------------


@transaction.atomic
def start_assessment(viewer: Viewer, cluster: Cluster, *, year: int, level: str, user=None) -> Assessment:
    """A new self-assessment of a year, for the label level sought. One at a time per year is in progress."""
    _require_staff(viewer, cluster)
    errors = {}
    if level not in excellence.LEVELS:
        errors["level"] = _("Choose bronze, silver or gold.")
    if not 2000 <= year <= 2100:
        errors["year"] = _("Give a year between 2000 and 2100.")
    elif assessments_of(cluster).filter(year=year, status=Assessment.Status.DRAFT).exists():
        errors["year"] = _("An assessment of %(year)s is already in progress: complete it first.") % {"year": year}
    if errors:
        raise ValidationError(errors)
    return Assessment.objects.create(cluster=cluster, year=year, level=level, created_by=user)


# --- live figures --------------------------------------------------------------------------------------------------


def counted_actions(cluster: Cluster, year: int) -> QuerySet:
    """The improvement actions an assessment of the year counts: those not already done before the year began."""
    return ImprovementAction.objects.filter(cluster=cluster).exclude(done_on__lt=datetime.date(year, 1, 1))


def live_inputs(cluster: Cluster, year: int, today: datetime.date | None = None,
                facts: kpis.Facts | None = None) -> dict[str, float | None]:
    """Every live source of the catalogue for the year: the KPIs (the figures staff entered included), the helices
    among the members at the end of the year, the targets set for the year and the improvement actions counted."""
    facts = facts or monitoring.facts_of(cluster, today)
    result = kpis.compute(facts, year)
    values: dict[str, float | None] = dict(result.values)
    values[excellence.MEMBER_HELICES] = len(result.breakdowns["members_by_helix"])
    values[excellence.TARGETS] = len(monitoring.targets_of(cluster, year))
    values[excellence.IMPROVEMENT_ACTIONS] = counted_actions(cluster, year).count()
    return values


def _engine_answers(inputs: dict[str, float | None], staff_answers: dict[str, AssessmentAnswer],
                    documents: dict[str, list[EvidenceDocument]]) -> dict[str, excellence.Answer]:
    answers = {}
    for item in excellence.CATALOGUE:
        if item.live:
            answers[item.code] = excellence.Answer(value=inputs.get(item.source))
        else:
            answer = staff_answers.get(item.code)
            value = float(answer.value) if answer is not None and answer.value is not None else None
            answers[item.code] = excellence.Answer(value=value, met=answer.met if answer else None,
                                                   evidence=len(documents.get(item.code, ())))
    return answers


def _evaluate(assessment: Assessment, inputs: dict[str, float | None]):
    """The engine's evaluation of the assessment's staff answers and evidence (each read once) with `inputs`."""
    staff_answers = {a.criterion: a for a in assessment.answers.all()}
    documents = _documents(assessment)
    return excellence.evaluate(_engine_answers(inputs, staff_answers, documents)), staff_answers, documents


# --- the review: an assessment against every level -------------------------------------------------------------------


@dataclass
class Threshold:
    level: str
    label: str
    text: str


@dataclass
class CriterionReview:
    code: str
    area: str
    question: str
    evidence_expected: str
    live: bool
    source: str  # a KPI or live figure's code, or excellence.STAFF
    source_label: str
    thresholds: list[Threshold]
    threshold_values: dict[str, float | None]  # level -> threshold, for the levels that require it
    value: float | None
    value_text: str
    answered: bool
    met: dict[str, bool]  # level -> met, for the levels that require it
    reasons: dict[str, str]  # level -> why not, translated
    reason_codes: dict[str, str] = field(default_factory=dict)  # level -> excellence.NO_DATA, BELOW…
    staff_met: bool | None = None  # staff's yes / no
    comment: str = ""
    evidence: list = field(default_factory=list)  # EvidenceDocument, or frozen {title, url, file} dicts
    unit: str = "count"

    def met_at(self, level: str) -> bool | None:
        """Met at the level (None: the level does not require it)."""
        return self.met.get(level)

    @property
    def yes_no(self) -> bool:
        return self.unit == "yes_no"


@dataclass
class Readiness:
    level: str
    label: str
    percent: int
    met: int
    required: int
    missing: list[tuple[CriterionReview, str]]  # criterion, why not


@dataclass
class Review:
    assessment: Assessment
    criteria: list[CriterionReview]
    readiness: list[Readiness]
    frozen: bool  # a completed assessment, shown as it was

    def areas(self) -> list[tuple[str, str, list[CriterionReview]]]:
        grouped: dict[str, list[CriterionReview]] = defaultdict(list)
        for item in self.criteria:
            grouped[item.area].append(item)
        return [(area, _(excellence.AREA_LABELS[area]), grouped[area]) for area in excellence.AREAS if grouped[area]]

    def readiness_of(self, level: str) -> Readiness:
        return next(r for r in self.readiness if r.level == level)

    @property
    def sought(self) -> Readiness:
        return self.readiness_of(self.assessment.level)


UNIT_SUFFIX = {"percent": " %", "fte": " FTE", "eur": " EUR"}


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "yes_no":
        return _("yes") if value else _("no")
    value = round(float(value), 2 if unit in ("fte", "eur") else 1)
    shown = int(value) if value.is_integer() else value
    return formats.number_format(shown, use_l10n=True, force_grouping=unit == "eur") + UNIT_SUFFIX.get(unit, "")


def threshold_text(item: excellence.Criterion, level: str) -> str:
    threshold = item.threshold(level)
    if item.comparison == excellence.YES_NO:
        return _("yes, with evidence")
    if item.comparison == excellence.PRESENT:
        return _("a figure for the year")
    text = format_value(threshold, item.unit)
    return (_("at most %(n)s") if item.comparison == excellence.AT_MOST else _("at least %(n)s")) % {"n": text}


def _source_label(item: excellence.Criterion) -> str:
    if not item.live:
        return _("Answered by staff with evidence")
    if item.source in SOURCE_LABELS:
        return str(SOURCE_LABELS[item.source])
    return str(monitoring.LABELS.get(item.source, item.source))


def _criterion_review(item: excellence.Criterion, thresholds: dict[str, float | None], value: float | None,
                      answered: bool, met: dict[str, bool], reasons: dict[str, str], **extra) -> CriterionReview:
    levels = [level for level in excellence.LEVELS if level in thresholds]
    # Frozen thresholds are shown as they were when the assessment was completed.
    shown = excellence.Criterion(item.code, item.area, item.question, item.evidence, item.source, item.comparison,
                                 item.unit, tuple((level, thresholds[level]) for level in levels))
    return CriterionReview(
        code=item.code, area=item.area, question=_(item.question), evidence_expected=_(item.evidence), live=item.live,
        source=item.source, source_label=_source_label(item),
        threshold_values={level: thresholds[level] for level in levels},
        thresholds=[Threshold(level, str(LEVEL_LABELS[level]), threshold_text(shown, level)) for level in levels],
        value=value, value_text=format_value(value, item.unit) if item.unit != "yes_no" else "",
        answered=answered, met=met, reasons={level: str(REASON_LABELS[r]) for level, r in reasons.items()},
        reason_codes=dict(reasons),
        unit=item.unit, **extra)


def _readiness(criteria: list[CriterionReview], percents: dict[str, int]) -> list[Readiness]:
    rows = []
    for level in excellence.LEVELS:
        required = [c for c in criteria if level in c.met]
        rows.append(Readiness(level=level, label=str(LEVEL_LABELS[level]), percent=percents.get(level, 0),
                              met=sum(1 for c in required if c.met[level]), required=len(required),
                              missing=[(c, c.reasons.get(level, "")) for c in required if not c.met[level]]))
    return rows


def review(assessment: Assessment, today: datetime.date | None = None, facts: kpis.Facts | None = None) -> Review:
    """The assessment against every level: frozen results once completed, else the live figures and staff's
    answers as they stand now."""
    if assessment.status == Assessment.Status.COMPLETED and assessment.results.get("criteria"):
        return _frozen_review(assessment)
    inputs = live_inputs(assessment.cluster, assessment.year, today, facts)
    evaluation, staff_answers, documents = _evaluate(assessment, inputs)
    criteria = []
    for code, outcome in evaluation.outcomes.items():
        item = outcome.criterion
        answer = staff_answers.get(code)
        criteria.append(_criterion_review(
            item, dict(item.requires), outcome.value, outcome.answered, dict(outcome.met), dict(outcome.gaps),
            staff_met=answer.met if answer is not None else None, comment=answer.comment if answer else "",
            evidence=documents.get(code, [])))
    return Review(assessment=assessment, criteria=criteria, readiness=_readiness(criteria, evaluation.readiness),
                  frozen=False)


def _documents(assessment: Assessment) -> dict[str, list[EvidenceDocument]]:
    documents: dict[str, list[EvidenceDocument]] = defaultdict(list)
    for document in assessment.evidence.all():
        documents[document.criterion].append(document)
    return documents


def _frozen_review(assessment: Assessment) -> Review:
    """A completed assessment as it was. Its evidence cannot change once completed, so the documents are listed
    from the database (to download them); the results also keep their titles."""
    results = assessment.results
    documents = _documents(assessment)
    criteria = []
    for code, frozen in results["criteria"].items():
        item = excellence.BY_CODE.get(code)
        if item is None:  # a criterion since dropped from the catalogue: shown by its code
            item = excellence.Criterion(code, frozen.get("area", "improvement"), code, "", frozen["source"],
                                        frozen.get("comparison", excellence.AT_LEAST), frozen.get("unit", "count"),
                                        ())
        criteria.append(_criterion_review(
            item, frozen.get("thresholds", {}), frozen["value"], frozen.get("answered", False), frozen["met"],
            frozen.get("reasons", {}), staff_met=frozen.get("staff_met"), comment=frozen.get("comment", ""),
            evidence=documents.get(code, [])))
    return Review(assessment=assessment, criteria=criteria, readiness=_readiness(criteria, results["readiness"]),
                  frozen=True)


# --- staff's answers and evidence ----------------------------------------------------------------------------------


@transaction.atomic
def answer_criterion(viewer: Viewer, assessment: Assessment, code: str, *, met: bool | None = None,
                     value: Decimal | None = None, comment: str = "", user=None) -> AssessmentAnswer:
    """Staff's answer: yes or no to a yes/no criterion, a figure to the others, and a comment. A live criterion
    takes only a comment: its figure comes from the platform's data (enter staff, budget and media figures on the
    figures page, where they carry their evidence)."""
    _require_staff(viewer, assessment.cluster)
    _require_draft(assessment)
    item = criterion(code)
    comment = comment.strip()
    if item.live and (met is not None or value is not None):
        raise ValidationError({"value": _("This criterion is answered from the platform's data: add a comment or "
                                          "evidence, not a different value.")})
    if not item.live and item.comparison == excellence.YES_NO and value is not None:
        raise ValidationError({"value": _("Answer this criterion with yes or no.")})
    if not item.live and item.comparison != excellence.YES_NO:
        if met is not None:
            raise ValidationError({"met": _("This criterion is met by its figure: give the figure.")})
        if value is not None and value < 0:
            raise ValidationError({"value": _("The figure cannot be negative.")})
        if value is not None and item.unit == "percent" and value > 100:
            raise ValidationError({"value": _("A share is at most 100 %.")})
    answer = AssessmentAnswer.objects.filter(assessment=assessment, criterion=code).first() or \
        AssessmentAnswer(assessment=assessment, criterion=code)
    answer.met, answer.value, answer.comment, answer.answered_by = met, value, comment, user
    answer.full_clean()
    answer.save()
    return answer


def _evidence_name(upload: UploadedFile) -> tuple[str, str]:
    """A safe file name for the upload and its extension; ValidationError if the type is not allowed."""
    raw = os.path.basename((upload.name or "").replace("\\", "/"))
    stem, dot, extension = raw.rpartition(".")
    extension = extension.lower() if dot else ""
    if extension not in EVIDENCE_TYPES:
        raise ValidationError({"file": _("Upload a PDF, Word (docx), Excel (xlsx), PowerPoint (pptx), OpenDocument "
                                         "text (odt), PNG, JPEG, text or CSV file.")})
    try:
        stem = get_valid_filename(stem)[:MAX_NAME_LENGTH]
    except SuspiciousFileOperation:
        stem = ""
    return f"{stem or 'evidence'}.{extension}", extension


def _check_upload(upload: UploadedFile) -> str:
    name, extension = _evidence_name(upload)
    if upload.size is None or upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError({"file": _("The file is too large: at most 20 MB.")})
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    signature = EVIDENCE_TYPES[extension]
    if (signature is not None and not head.startswith(signature)) or (signature is None and b"\x00" in head):
        raise ValidationError({"file": _("The file's content does not match its type (.%(extension)s).")
                               % {"extension": extension}})
    return name


@transaction.atomic
def add_evidence(viewer: Viewer, assessment: Assessment, code: str, *, title: str = "",
                 upload: UploadedFile | None = None, url: str = "", user=None) -> EvidenceDocument:
    """A document supporting a criterion: an uploaded file (at most 20 MB, of an office, image or text type) or a
    link."""
    _require_staff(viewer, assessment.cluster)
    _require_draft(assessment)
    criterion(code)
    url, title = url.strip(), title.strip()
    if upload is not None and url:
        raise ValidationError(_("Give a file or a link, not both."))
    if upload is None and not url:
        raise ValidationError(_("Give a file or a link."))
    document = EvidenceDocument(assessment=assessment, criterion=code, added_by=user, url=url)
    if upload is not None:
        name = _check_upload(upload)
        document.title = title or name
        document.file.save(name, upload, save=False)
    else:
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError({"url": _("Give a web address starting with http:// or https://.")})
        document.title = title or url[:200]
    try:
        document.full_clean()
    except ValidationError:
        if document.file:
            document.file.delete(save=False)
        raise
    document.save()
    return document


@transaction.atomic
def delete_evidence(viewer: Viewer, document: EvidenceDocument) -> None:
    assessment = document.assessment
    _require_staff(viewer, assessment.cluster)
    _require_draft(assessment)
    stored = document.file.name if document.file else ""
    storage = document.file.storage
    document.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def evidence_download(document: EvidenceDocument) -> tuple[str, str]:
    """The file's name to download and its content type."""
    name = os.path.basename(document.file.name)
    return name, mimetypes.guess_type(name)[0] or "application/octet-stream"


# --- completing and the history ------------------------------------------------------------------------------------


@transaction.atomic
def complete(viewer: Viewer, assessment: Assessment, today: datetime.date | None = None) -> Assessment:
    """Freeze the results: every criterion's figure, answer, evidence and whether it is met at each level, the
    readiness per level and what is missing. The history then shows it unchanged whatever the data become."""
    _require_staff(viewer, assessment.cluster)
    _require_draft(assessment)
    current = review(assessment, today)
    criteria = {}
    for item in current.criteria:
        definition = excellence.BY_CODE[item.code]
        criteria[item.code] = {
            "area": definition.area, "source": definition.source, "comparison": definition.comparison,
            "unit": definition.unit, "thresholds": dict(definition.requires), "value": item.value,
            "answered": item.answered, "met": dict(item.met), "reasons": dict(item.reason_codes),
            "staff_met": item.staff_met, "comment": item.comment,
            "evidence": [{"title": d.title, "url": d.url, "file": os.path.basename(d.file.name) if d.file else ""}
                         for d in item.evidence],
        }
    assessment.results = {"year": assessment.year, "level": assessment.level, "criteria": criteria,
                          "readiness": {r.level: r.percent for r in current.readiness},
                          "missing": {r.level: [c.code for c, _reason in r.missing] for r in current.readiness}}
    assessment.status = Assessment.Status.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.save()
    return assessment


@dataclass
class HistoryRow:
    assessment: Assessment
    readiness: dict[str, int]  # level -> percent

    @property
    def percents(self) -> list[int]:
        """The readiness of bronze, silver and gold, in that order."""
        return [self.readiness.get(level, 0) for level in excellence.LEVELS]


def history(cluster: Cluster, today: datetime.date | None = None) -> list[HistoryRow]:
    """Every assessment of the cluster, newest first, with its readiness per level: frozen once completed, as it
    stands now while in progress."""
    rows = []
    facts = None
    for assessment in assessments_of(cluster).select_related("created_by"):
        if assessment.status == Assessment.Status.COMPLETED and assessment.results.get("readiness"):
            readiness = dict(assessment.results["readiness"])
        else:
            facts = facts or monitoring.facts_of(cluster, today)
            inputs = live_inputs(cluster, assessment.year, today, facts)
            readiness = _evaluate(assessment, inputs)[0].readiness
        rows.append(HistoryRow(assessment=assessment, readiness=readiness))
    return rows


def labels_of(cluster: Cluster) -> QuerySet:
    """The cluster's excellence labels, newest first."""
    return ExcellenceLabel.objects.filter(cluster=cluster).order_by("-awarded_on")


# --- improvement actions -------------------------------------------------------------------------------------------

ACTION_FIELDS = ("area", "title", "description", "owner", "due_on", "status", "done_on", "assessment")


def actions_of(cluster: Cluster, today: datetime.date | None = None) -> list[ImprovementAction]:
    """The cluster's improvement actions by due date, each with `overdue` (due before today and not done)."""
    today = today or timezone.localdate()
    actions = list(ImprovementAction.objects.filter(cluster=cluster).select_related("assessment"))
    for action in actions:
        action.overdue = is_overdue(action, today)
        action.area_label = _(excellence.AREA_LABELS.get(action.area, action.area)) if action.area else ""
    return actions


def is_overdue(action: ImprovementAction, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return action.status != ImprovementAction.Status.DONE and action.due_on < today


@transaction.atomic
def save_action(viewer: Viewer, cluster: Cluster, data: dict, action: ImprovementAction | None = None,
                today: datetime.date | None = None) -> ImprovementAction:
    """Create or change an improvement action: an area of the assessment, a title, an owner and a due date (all
    required); done on today when marked done without a date, and no done date while not done."""
    _require_staff(viewer, cluster)
    if action is not None and action.cluster_id != cluster.pk:
        raise PermissionDenied
    action = action or ImprovementAction(cluster=cluster)
    for name in ACTION_FIELDS:
        if name in data:
            setattr(action, name, data[name])
    errors = {}
    action.title, action.owner = (action.title or "").strip(), (action.owner or "").strip()
    if action.area not in excellence.AREAS:
        errors["area"] = _("Choose one of the assessment's areas.")
    if not action.title:
        errors["title"] = _("Say what will be improved.")
    if not action.owner:
        errors["owner"] = _("Name who is responsible for the action.")
    if not action.due_on:
        errors["due_on"] = _("Give the date the action is due.")
    if action.assessment_id and action.assessment.cluster_id != cluster.pk:
        errors["assessment"] = _("Choose one of the cluster's assessments.")
    if errors:
        raise ValidationError(errors)
    if action.status == ImprovementAction.Status.DONE:
        action.done_on = action.done_on or today or timezone.localdate()
    else:
        action.done_on = None
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def delete_action(viewer: Viewer, action: ImprovementAction) -> None:
    _require_staff(viewer, action.cluster)
    action.delete()


# --- the evidence pack ---------------------------------------------------------------------------------------------


def pack_language(cluster: Cluster, language: str | None) -> str:
    available = {code for code, _name in settings.LANGUAGES}
    for candidate in (language, cluster.language):
        if candidate in available:
            return candidate
    return settings.LANGUAGE_CODE.split("-")[0]


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, extension = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}.{extension}" if dot else f"{name}-{n}"
    taken.add(candidate)
    return candidate


def pack_pdf(assessment: Assessment, language: str, today: datetime.date | None = None,
             pack_names: dict[int, str] | None = None) -> bytes:
    """The printable self-assessment: every criterion with its answer and evidence, the readiness per level and the
    improvement actions, in the given language (WeasyPrint). `pack_names`: evidence document -> its path in the
    pack, to say where each file is."""
    from weasyprint import HTML  # imported here: it loads pango, which only the PDF needs

    with translation.override(language):
        current = review(assessment, today)
        for item in current.criteria:
            for document in item.evidence:
                document.pack_name = (pack_names or {}).get(document.pk, "")
        html = render_to_string("monitoring/assessments/pack_pdf.html", {
            "review": current, "assessment": assessment, "cluster": assessment.cluster,
            "actions": actions_of(assessment.cluster, today), "labels": labels_of(assessment.cluster),
            "language": language, "generated": timezone.localtime()})
    return HTML(string=html).write_pdf()


def evidence_pack(assessment: Assessment, language: str | None = None, today: datetime.date | None = None) -> bytes:
    """A ZIP with self-assessment.pdf, every evidence file under evidence/<criterion>/<name> and links.csv with the
    evidence links (criterion, title, link). In the given language, else the cluster's."""
    language = pack_language(assessment.cluster, language)
    documents = list(assessment.evidence.order_by("criterion", "title", "pk"))
    taken: set[str] = set()
    pack_names = {document.pk: _unique(f"evidence/{document.criterion}/{os.path.basename(document.file.name)}", taken)
                  for document in documents if document.file}
    links = io.StringIO()
    writer = csv.writer(links)
    writer.writerow(["criterion", "title", "url"])
    for document in documents:
        if document.url:
            writer.writerow([document.criterion, safe_cell(document.title), document.url])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("self-assessment.pdf", pack_pdf(assessment, language, today, pack_names))
        for document in documents:
            if document.file:
                with document.file.open("rb") as stored:
                    pack.writestr(pack_names[document.pk], stored.read())
        pack.writestr("links.csv", links.getvalue())
    return buffer.getvalue()


def pack_filename(assessment: Assessment) -> str:
    return f"{assessment.cluster.slug}-self-assessment-{assessment.year}.zip"
