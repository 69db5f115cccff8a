"""The question a network page asks: a time window and the kinds of tie. The form only parses what was chosen;
network.services checks the question (a window that ends before it starts, no kind at all) and answers it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiera.directory.forms import BootstrapFormMixin
from filiera.network import engine

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIE_KINDS = {"agreement": _("Agreements signed"), "project": _("Shared projects"), "meeting": _("B2B meetings held"),
             "event": _("Events attended together")}


class QuestionForm(BootstrapFormMixin, forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    kinds = forms.MultipleChoiceField(label=_("Ties"), required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=[(kind, TIE_KINDS[kind]) for kind in engine.KINDS])

    def question(self) -> dict:
        """start, end and kinds for network.services, once the form is valid (every kind when none is chosen)."""
        data = self.cleaned_data
        return {"start": data["start"], "end": data["end"], "kinds": data["kinds"] or list(engine.KINDS)}
