"""Forms of a cluster's back office. They parse and validate input only; the services decide and change."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiera.core.models import ValueChain
from filiera.directory.models import Membership, Organisation


class BootstrapForm(forms.Form):
    """Gives every widget its Bootstrap class, so that templates can render fields with one include."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


def style_widgets(form: forms.BaseForm) -> None:
    for bound in form:
        widget = bound.field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class MembershipForm(BootstrapForm):
    """Fee tier and staff notes of a membership (cluster-private)."""

    fee_tier = forms.ChoiceField(label=_("Fee tier"), choices=Membership.FeeTier.choices, required=False)
    notes = forms.CharField(
        label=_("Staff notes"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Seen only by this cluster's staff."),
    )


class StatusChangeForm(forms.Form):
    """A status change of a membership; whether it is allowed is the service's decision (TRANSITIONS)."""

    status = forms.ChoiceField(choices=Membership.Status.choices)
    note = forms.CharField(max_length=500, required=False, strip=True)


class ModerationForm(forms.Form):
    """Approve or hide an opportunity. Hiding needs a note for the author; the service enforces it."""

    APPROVE = "approve"
    HIDE = "hide"

    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (HIDE, _("Hide"))])
    note = forms.CharField(max_length=300, required=False, strip=True)

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


class NewMemberForm(forms.ModelForm):
    """The main profile fields of an organisation that staff add directly as an active member."""

    website = forms.URLField(
        label=_("Website"), max_length=300, required=False, assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    value_chains = forms.ModelMultipleChoiceField(
        label=_("Value chains"), queryset=ValueChain.objects.all(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Organisation
        fields = [
            "name", "short_name", "kind", "is_sme", "country", "region", "city", "postcode", "website", "language",
            "languages_spoken", "description", "keywords", "visibility", "ref",
        ]
        widgets = {
            "country": forms.TextInput(attrs={"maxlength": 2, "pattern": "[A-Za-z]{2}", "autocomplete": "off",
                                              "class": "text-uppercase"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"country": _("Two-letter ISO code, e.g. IT, DK, ES")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError(_("Enter the two-letter ISO code of the country."))
        return country

    def organisation_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "value_chains"}
