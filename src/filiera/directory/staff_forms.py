"""Forms of a cluster's back office. They parse and validate input only; the services decide and change."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiera.core.countries import COUNTRY_ALIASES
from filiera.directory.forms import BootstrapFormMixin, OrganisationForm
from filiera.directory.models import Membership


class MembershipForm(BootstrapFormMixin, forms.Form):
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


class CountryCodeField(forms.ChoiceField):
    """A country typed as its two-letter code (staff key them in from paper forms and e-mails), checked against
    the same list as OrganisationForm's select. Lower case and the EU's own codes (UK, EL) are accepted and stored
    as ISO."""

    def to_python(self, value) -> str:
        code = super().to_python(value).strip().upper()
        return COUNTRY_ALIASES.get(code, code)


class NewMemberForm(OrganisationForm):
    """The profile of an organisation that staff add directly as an active member: the member's own profile form,
    with the external reference and the country typed as its code."""

    country = CountryCodeField(
        label=_("Country"),
        help_text=_("Two-letter ISO code, e.g. IT, DK, ES"),
        error_messages={"invalid_choice": _("Enter the two-letter ISO code of the country.")},
        widget=forms.TextInput(attrs={"maxlength": 2, "autocomplete": "off", "class": "text-uppercase"}),
    )
    concepts = None  # the representatives choose their competences once the profile exists


    class Meta(OrganisationForm.Meta):
        fields = [
            "name", "short_name", "kind", "is_sme", "country", "region", "city", "postcode", "website", "language",
            "languages_spoken", "description", "keywords", "value_chains", "visibility", "ref",
        ]
