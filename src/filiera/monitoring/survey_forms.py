"""Forms of the satisfaction surveys: the staff's survey form and a member's answer. They parse what was typed; the
service (monitoring.surveys) checks who may act, the survey's rules, and saves."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiera.directory.forms import BootstrapFormMixin, ServiceModelForm
from filiera.monitoring import surveys
from filiera.monitoring.models import Survey

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

OVERALL_CHOICES = [
    ("1", _("1 – very dissatisfied")),
    ("2", _("2 – dissatisfied")),
    ("3", _("3 – neither")),
    ("4", _("4 – satisfied")),
    ("5", _("5 – very satisfied")),
]
SERVICE_CHOICES = [("", _("Did not use")), *[(str(n), str(n)) for n in range(1, 6)]]
RECOMMEND_CHOICES = [(str(n), str(n)) for n in range(0, 11)]


class SurveyForm(ServiceModelForm):
    class Meta:
        model = Survey
        fields = ["title", "year", "introduction", "closes_on"]
        widgets = {"closes_on": DATE, "introduction": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"introduction": _("Shown to members above the questions, and in the email that invites them."),
                      "closes_on": _("Optional: after this day the personal links take no more answers.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update(min=2000, max=2100)  # the service says why another year is refused


class AnswerForm(BootstrapFormMixin, forms.Form):
    """The questionnaire: overall satisfaction, each service (or "did not use"), recommendation, a comment."""

    overall = forms.ChoiceField(label=_("Overall, how satisfied is your organisation with the cluster?"),
                                choices=OVERALL_CHOICES, widget=forms.RadioSelect)
    recommend = forms.ChoiceField(
        label=_("How likely is your organisation to recommend the cluster to a peer? (0 = not at all, 10 = "
                "extremely)"), choices=RECOMMEND_CHOICES, widget=forms.RadioSelect, required=False)
    comment = forms.CharField(label=_("What should the cluster keep, change or start doing?"), required=False,
                              max_length=surveys.MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        services = {f"service_{code}": forms.ChoiceField(label=label, choices=SERVICE_CHOICES, required=False,
                                                         widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                                                         initial="")
                    for code, label in surveys.SERVICES.items()}
        # The services come between the overall rating and the recommendation, as on paper.
        ordered = {"overall": self.fields["overall"], **services, "recommend": self.fields["recommend"],
                   "comment": self.fields["comment"]}
        self.fields = ordered

    @property
    def service_fields(self):
        return [self[f"service_{code}"] for code in surveys.SERVICES]

    def answer_data(self) -> dict:
        data = self.cleaned_data
        return {"overall": data["overall"], "recommend": data.get("recommend") or None,
                "comment": data.get("comment", ""),
                "services": {code: data[f"service_{code}"] for code in surveys.SERVICES
                             if data.get(f"service_{code}")}}
