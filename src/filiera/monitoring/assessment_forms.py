"""Forms of the self-assessment pages: start an assessment, answer a criterion, attach evidence, and the improvement
actions. They parse what was typed; monitoring.assessments checks who may act, the rules, and saves."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from filiera.directory.forms import BootstrapFormMixin, ServiceModelForm
from filiera.monitoring import excellence
from filiera.monitoring.assessments import LEVEL_LABELS, MAX_EVIDENCE_BYTES, assessments_of
from filiera.monitoring.models import ImprovementAction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EVIDENCE_ACCEPT = ".pdf,.docx,.xlsx,.pptx,.odt,.png,.jpg,.jpeg,.txt,.csv"


def level_choices():
    return [(level, LEVEL_LABELS[level]) for level in excellence.LEVELS]


def area_choices():
    return [(area, _gettext(excellence.AREA_LABELS[area])) for area in excellence.AREAS]


class AssessmentForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year assessed"), min_value=2000, max_value=2100)
    level = forms.ChoiceField(label=_("Label sought"), choices=level_choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"year": timezone.localdate().year, "level": excellence.BRONZE})
        super().__init__(*args, **kwargs)


class AnswerForm(BootstrapFormMixin, forms.Form):
    """Staff's answer to one criterion: yes or no, or a figure; a live criterion takes a comment only."""

    met = forms.TypedChoiceField(label=_("Is it met?"), required=False, empty_value=None,
                                 coerce=lambda value: value == "yes",
                                 choices=[("", _("Not answered yet")), ("yes", _("Yes")), ("no", _("No"))])
    value = forms.DecimalField(label=_("Figure"), required=False, max_digits=16, decimal_places=2)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, criterion: excellence.Criterion, answer=None, **kwargs):
        if answer is not None and not kwargs.get("data"):
            kwargs["initial"] = {"met": {True: "yes", False: "no"}.get(answer.met, ""), "value": answer.value,
                                 "comment": answer.comment}
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        if criterion.live or criterion.comparison != excellence.YES_NO:
            del self.fields["met"]
        if criterion.live or criterion.comparison == excellence.YES_NO:
            del self.fields["value"]
        else:
            self.fields["value"].min_value = 0
            if criterion.unit == "percent":
                self.fields["value"].label = _("Figure (%)")

    def answer(self) -> dict:
        data = self.cleaned_data
        return {"met": data.get("met"), "value": data.get("value"), "comment": data.get("comment", "")}


class EvidenceForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=200,
                            help_text=_("The file's name if left empty"))
    file = forms.FileField(label=_("File"), required=False, max_length=300,
                           widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
                           help_text=_("PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, text or CSV; at most "
                                       "%(size)s MB") % {"size": MAX_EVIDENCE_BYTES // (1024 * 1024)})
    url = forms.URLField(label=_("or a link"), required=False, max_length=500, assume_scheme="https")

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("file") and not data.get("url"):
            raise forms.ValidationError(_("Give a file or a link."))
        return data


class ActionForm(ServiceModelForm):
    area = forms.ChoiceField(label=_("Area"), choices=area_choices)

    class Meta:
        model = ImprovementAction
        fields = ["area", "title", "description", "owner", "due_on", "status", "done_on", "assessment"]
        widgets = {"due_on": DATE, "done_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, cluster=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = assessments_of(cluster)
        self.fields["assessment"].required = False
        self.fields["done_on"].help_text = _("Today if left empty when the action is done")

    def _post_clean(self):  # the service validates the action (with its cluster)
        pass
