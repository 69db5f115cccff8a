"""Forms of the member pages: organisation profile, people, opportunities, registration and applications.

Forms only parse and validate what was typed; the use cases in filiera.directory.services check who may act and
save. The model forms here therefore never save and never change the record they show: they take it as `record`
(for the initial values) and validate on a throw-away instance.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator, model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiera.core.countries import country_choices
from filiera.core.models import Cluster, Concept, ValueChain
from filiera.directory.models import Membership, Opportunity, Organisation, Person, fold


class BootstrapFormMixin:
    """Gives the widgets Bootstrap's classes and marks the invalid ones once the form has been validated."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):  # RadioSelect includes checkbox lists
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        # Every error passes here: the fields' own, clean()'s and those a service reports after validation.
        super().add_error(field, error)
        for name in self._errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs["class"].split():
                    widget.attrs["class"] += " is-invalid"


def add_service_error(form: forms.BaseForm, error: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: an error about a field the form has goes to that field
    (`field_map` renames model fields to form fields), anything else above the form."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        target = field_map.get(name, name)
        form.add_error(target if target in form.fields else None, messages)


class ServiceModelForm(BootstrapFormMixin, forms.ModelForm):
    """A model form that shows `record` but leaves it alone: the service applies the cleaned data."""

    def __init__(self, *args, record=None, **kwargs):
        if record is not None and record.pk is not None:
            kwargs["initial"] = {**model_to_dict(record, fields=self._meta.fields), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.record = record


class GroupedConceptIterator(ModelChoiceIterator):
    """Concepts as one <optgroup> per scheme, each sorted by its label in the active language."""

    def __iter__(self):
        groups: dict[str, list[Concept]] = {}
        for concept in self.queryset:
            groups.setdefault(concept.scheme, []).append(concept)
        scheme_labels = dict(Concept.Scheme.choices)
        for scheme in [s for s in scheme_labels if s in groups] + sorted(set(groups) - set(scheme_labels)):
            members = sorted(groups[scheme], key=lambda concept: fold(concept.label))
            yield (scheme_labels.get(scheme, scheme), [self.choice(concept) for concept in members])


class ConceptsField(forms.ModelMultipleChoiceField):
    iterator = GroupedConceptIterator

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Concept.objects.all())
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Competences and topics"))
        kwargs.setdefault(
            "help_text", _("Terms of the shared vocabulary: they find partners across languages. Hold Ctrl (Cmd on a "
                           "Mac) to choose several.")
        )
        kwargs.setdefault("widget", forms.SelectMultiple(attrs={"size": 10}))
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Concept) -> str:
        return obj.label


class ValueChainsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", ValueChain.objects.all())
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Value chains"))
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(**kwargs)

    def label_from_instance(self, obj: ValueChain) -> str:
        return obj.label


def split_keywords(text: str) -> list[str]:
    return [keyword.strip() for keyword in (text or "").split(";") if keyword.strip()]


class OrganisationForm(ServiceModelForm):
    country = forms.ChoiceField(label=_("Country"))
    languages_spoken = forms.MultipleChoiceField(
        label=_("Working languages"), required=False, choices=settings.CONTENT_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )
    keywords = forms.CharField(
        label=_("Keywords"), required=False, max_length=500,
        help_text=_("Separate them with a semicolon, e.g. telemedicine; wearable sensors"),
    )
    website = forms.URLField(
        label=_("Website"), max_length=300, required=False, assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    value_chains = ValueChainsField()
    concepts = ConceptsField()

    class Meta:
        model = Organisation
        fields = [
            "name", "short_name", "kind", "is_sme", "country", "region", "city", "postcode", "website", "language",
            "languages_spoken", "description", "keywords", "value_chains", "concepts", "visibility",
        ]
        labels = {"language": _("Language of the description"), "is_sme": _("It is an SME (EU definition)")}
        help_texts = {
            "visibility": _("Who may see the profile. Your clusters' staff always see it."),
            "region": _("NUTS code or region name"),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, record=record, **kwargs)
        current = self.initial.get("country", "")
        self.fields["country"].choices = country_choices(current)
        spoken = self.initial.get("languages_spoken")
        if isinstance(spoken, str):
            codes = [code.strip() for code in spoken.split(",") if code.strip()]
            self.initial["languages_spoken"] = codes
            known = dict(settings.CONTENT_LANGUAGES)
            # Codes outside the content languages (an import may bring "pt") stay choosable, so saving keeps them.
            self.fields["languages_spoken"].choices = list(settings.CONTENT_LANGUAGES) + [
                (code, code) for code in codes if code not in known
            ]

    def clean_languages_spoken(self) -> str:
        return ",".join(self.cleaned_data["languages_spoken"])

    def clean_keywords(self) -> str:
        keywords = list(dict.fromkeys(split_keywords(self.cleaned_data["keywords"])))
        initial = self.initial.get("keywords", "")
        if keywords == split_keywords(initial):
            return initial  # unchanged: keep it as stored, so the audit log records no change
        return "; ".join(keywords)


class PersonForm(ServiceModelForm):
    consent_directory = forms.BooleanField(
        label=_("Agrees to be listed as a contact in the directory"), required=False
    )
    consent_newsletter = forms.BooleanField(label=_("Agrees to receive the newsletter"), required=False)

    class Meta:
        model = Person
        fields = ["first_name", "last_name", "email", "phone", "job_title", "language", "is_representative"]
        labels = {"language": _("Preferred language")}
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})}

    def __init__(self, *args, record=None, can_appoint_representatives: bool = False, **kwargs):
        if record is not None and record.pk is not None:
            kwargs["initial"] = {
                "consent_directory": record.consents_to_directory,
                "consent_newsletter": record.consents_to_newsletter,
                **kwargs.get("initial", {}),
            }
        super().__init__(*args, record=record, **kwargs)
        if not can_appoint_representatives:
            # Representatives see the flag but cannot change it: the staff and admins appoint them.
            del self.fields["is_representative"]


class OpportunityForm(ServiceModelForm):
    status = forms.ChoiceField(label=_("Status"), widget=forms.RadioSelect)
    value_chains = ValueChainsField()
    concepts = ConceptsField()

    class Meta:
        model = Opportunity
        fields = [
            "type", "title", "summary", "body", "language", "stage", "expires_on", "visibility", "value_chains",
            "concepts", "status",
        ]
        help_texts = {
            "summary": _("Two or three sentences that make a reader want to know more."),
            "expires_on": _("After this date the opportunity is no longer listed."),
            "visibility": _("Who may see the opportunity."),
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
            "body": forms.Textarea(attrs={"rows": 8}),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, record=record, **kwargs)
        choices = [
            (Opportunity.Status.DRAFT, _("Draft: only your organisation and the cluster staff see it")),
            (Opportunity.Status.PUBLISHED, _("Published")),
            (Opportunity.Status.ARCHIVED, _("Archived: no longer current")),
        ]
        if record is not None and record.status == Opportunity.Status.HIDDEN:
            choices.insert(0, (Opportunity.Status.HIDDEN, _("Hidden by the cluster staff: keep it hidden")))
        self.fields["status"].choices = choices
        if record is None or record.pk is None:
            self.fields["status"].initial = Opportunity.Status.PUBLISHED

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        if expires_on and expires_on < timezone.localdate() and expires_on != self.initial.get("expires_on"):
            raise ValidationError(_("The expiry date is in the past."))
        return expires_on


# Registration: the service's errors are about model fields; these are the form fields that show them.
REGISTRATION_FIELD_OF = {
    "name": "org_name", "kind": "org_kind", "country": "org_country", "city": "org_city", "website": "org_website",
    "description": "org_description",
}


def _model_field(model, name: str, **kwargs) -> forms.Field:
    return model._meta.get_field(name).formfield(**kwargs)


class RegistrationForm(BootstrapFormMixin, forms.Form):
    """A visitor applies to join a cluster: their organisation, themselves, their account and a message."""

    org_name = _model_field(Organisation, "name", label=_("Organisation name"))
    org_kind = _model_field(Organisation, "kind", label=_("Kind of organisation"))
    org_country = forms.ChoiceField(label=_("Country"))
    org_city = _model_field(Organisation, "city", label=_("City"))
    org_website = _model_field(
        Organisation, "website", label=_("Website"), assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    org_language = _model_field(Organisation, "language", label=_("Language of the description"))
    org_description = _model_field(
        Organisation, "description", label=_("What your organisation does"), widget=forms.Textarea(attrs={"rows": 4})
    )

    first_name = _model_field(Person, "first_name", widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = _model_field(Person, "last_name", widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = _model_field(Person, "email", required=True, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    job_title = _model_field(Person, "job_title")
    language = _model_field(Person, "language", label=_("Your preferred language"))
    consent_directory = forms.BooleanField(
        label=_("List me as a contact of my organisation in the directory"), required=False
    )
    consent_newsletter = forms.BooleanField(label=_("Send me the cluster's newsletter"), required=False)

    username = forms.CharField(
        label=_("Username"), max_length=150, validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    message = forms.CharField(
        label=_("Message to the cluster"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why you would like to join, and what you can bring to the other members."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_country"].choices = country_choices()
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = get_user_model()(
                username=cleaned.get("username", ""), email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""), last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def organisation_data(self) -> dict:
        return {
            field: self.cleaned_data[f"org_{field}"]
            for field in ("name", "kind", "country", "city", "website", "language", "description")
        }

    def person_data(self) -> dict:
        return {
            field: self.cleaned_data[field]
            for field in ("first_name", "last_name", "email", "job_title", "language", "consent_directory",
                          "consent_newsletter")
        }


class ApplicationForm(BootstrapFormMixin, forms.Form):
    """A representative applies for its organisation to join another cluster."""

    cluster = forms.ModelChoiceField(
        label=_("Cluster"), queryset=Cluster.objects.none(), to_field_name="slug", empty_label=_("Choose a cluster"),
        error_messages={
            "invalid_choice": _("Choose one of the clusters listed: the organisation is already a member of, or "
                                "applying to, the others."),
        },
    )
    message = forms.CharField(
        label=_("Message to the cluster"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why your organisation would like to join, and what it can bring to the other members."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        current = Membership.objects.filter(
            organisation=organisation, status__in=[Membership.Status.ACTIVE, Membership.Status.APPLICANT]
        ).values("cluster_id")
        self.fields["cluster"].queryset = Cluster.objects.exclude(pk__in=current).order_by("name")
