"""Forms of the project and call pages. They parse and validate what was typed; the services check who may act and
save (the directory's habit: model forms that never save)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filiera.core.models import Concept
from filiera.directory.forms import BootstrapFormMixin, ConceptsField, ServiceModelForm, ValueChainsField
from filiera.directory.models import Membership, Organisation, OrganisationKind, Visibility
from filiera.projects.models import Call, Deliverable, Partner, Project, ProjectDocument, WorkPackage
from filiera.projects.services import candidates_for

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.country})" if obj.country else obj.name


class OrganisationsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.country})" if obj.country else obj.name


def cluster_organisations(cluster):
    return Organisation.objects.filter(memberships__cluster=cluster,
                                       memberships__status=Membership.Status.ACTIVE).distinct().order_by("name")


class ProjectForm(ServiceModelForm):
    value_chains = ValueChainsField()

    class Meta:
        model = Project
        fields = ["acronym", "title", "summary", "programme", "call", "call_identifier", "status", "start_date",
                  "end_date", "total_budget", "eu_contribution", "co_funding", "value_chains"]
        widgets = {"start_date": DATE, "end_date": DATE, "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.record.call_id if self.record is not None else None
        self.fields["call"].queryset = Call.objects.filter(Q(status__in=[Call.Status.OPEN, Call.Status.FORTHCOMING])
                                                           | Q(pk=current)).order_by("deadline", "identifier")
        self.fields["call"].required = False

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The project cannot end before it starts."))
        return data


class PartnerForm(BootstrapFormMixin, forms.Form):
    organisation = OrganisationChoice(label=_("Organisation"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Partner.Role.choices, initial=Partner.Role.PARTNER)
    budget = forms.DecimalField(label=_("Budget (EUR)"), required=False, min_value=0, max_digits=14, decimal_places=2)
    eu_contribution = forms.DecimalField(label=_("EU contribution (EUR)"), required=False, min_value=0, max_digits=14,
                                         decimal_places=2)

    def __init__(self, *args, cluster=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = cluster_organisations(cluster)


class WorkPackageForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = WorkPackage
        fields = ["number", "title", "lead", "start_date", "end_date"]
        widgets = {"start_date": DATE, "end_date": DATE}

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = Partner.objects.filter(project=project).select_related("organisation")
        self.fields["lead"].label_from_instance = lambda partner: partner.organisation.name

    def _post_clean(self):  # the service validates the model (with its project)
        pass


class DeliverableForm(BootstrapFormMixin, forms.ModelForm):
    work_package = forms.ModelChoiceField(label=_("Work package"), queryset=WorkPackage.objects.none())

    class Meta:
        model = Deliverable
        fields = ["work_package", "code", "title", "due_on"]
        widgets = {"due_on": DATE}

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_package"].queryset = WorkPackage.objects.filter(project=project)

    def _post_clean(self):
        pass


class DocumentForm(BootstrapFormMixin, forms.ModelForm):
    url = forms.URLField(label=_("Link"), max_length=500, assume_scheme="https")

    class Meta:
        model = ProjectDocument
        fields = ["title", "url"]

    def _post_clean(self):
        pass


class CallForm(ServiceModelForm):
    key_needs = ConceptsField(label=_("Key competences the call asks for"),
                              help_text=_("Weighted twice. Hold Ctrl (Cmd on a Mac) to choose several."))
    other_needs = ConceptsField(label=_("Other competences it asks for"))
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Call
        fields = ["identifier", "title", "programme", "call_identifier", "action_type", "status", "opens_on",
                  "deadline", "budget_min", "budget_max", "expected_grants", "url", "keywords", "description",
                  "min_partners", "max_partners", "min_countries"]
        widgets = {"opens_on": DATE, "deadline": DATE, "description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = self.record
        for value, label in OrganisationKind.choices:
            self.fields[f"kind_{value}"] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=50,
                initial=(record.required_kinds or {}).get(value) if record is not None else None,
                widget=forms.NumberInput(attrs={"class": "form-control", "placeholder": "0"}))
        if record is not None and record.pk and not self.is_bound:
            needs = list(record.call_needs.all())
            self.initial["key_needs"] = [n.concept_id for n in needs if n.weight >= 2]
            self.initial["other_needs"] = [n.concept_id for n in needs if n.weight < 2]

    def kind_fields(self):
        return [self[f"kind_{value}"] for value in OrganisationKind.values]

    def main_fields(self):
        return [self[name] for name in self.Meta.fields]

    def required_kinds(self) -> dict[str, int]:
        return {value: self.cleaned_data[f"kind_{value}"] for value in OrganisationKind.values
                if self.cleaned_data.get(f"kind_{value}")}

    def needs(self) -> list[tuple[Concept, float]]:
        key = list(self.cleaned_data.get("key_needs") or [])
        other = [c for c in self.cleaned_data.get("other_needs") or [] if c not in key]
        return [(c, 2.0) for c in key] + [(c, 1.0) for c in other]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_partners"), data.get("max_partners")
        if low and high and high < low:
            self.add_error("max_partners", _("The maximum cannot be below the minimum."))
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and high < low:
            self.add_error("budget_max", _("The maximum cannot be below the minimum."))
        return data

    def _post_clean(self):
        # The identifier's uniqueness is the only model rule the form checks itself; the service checks the rest.
        identifier = self.cleaned_data.get("identifier")
        if identifier and Call.objects.filter(identifier=identifier).exclude(
                pk=getattr(self.record, "pk", None)).exists():
            self.add_error("identifier", _("A call with this identifier exists already."))


class BuilderForm(BootstrapFormMixin, forms.Form):
    call = forms.ModelChoiceField(label=_("Call"), queryset=Call.objects.all())
    coordinator = OrganisationChoice(label=_("Coordinator"), required=False, queryset=Organisation.objects.none(),
                                     help_text=_("Always in the consortium."))
    include = OrganisationsChoice(label=_("Also include"), required=False, queryset=Organisation.objects.none(),
                                  widget=forms.SelectMultiple(attrs={"size": 6}))
    exclude = OrganisationsChoice(label=_("Leave out"), required=False, queryset=Organisation.objects.none(),
                                  widget=forms.SelectMultiple(attrs={"size": 6}))
    min_size = forms.IntegerField(label=_("At least this many partners"), required=False, min_value=1, max_value=60,
                                  help_text=_("Empty: the call's rule."))
    max_size = forms.IntegerField(label=_("At most this many partners"), required=False, min_value=1, max_value=60,
                                  help_text=_("Empty: the call's rule, or 8."))
    max_per_country = forms.IntegerField(label=_("At most this many from one country"), required=False, min_value=1,
                                         max_value=60)
    network = forms.BooleanField(label=_("Look among the members of the whole network"), required=False)

    def __init__(self, *args, cluster=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = candidates_for(cluster, network=True).order_by("name")
        for name in ("coordinator", "include", "exclude"):
            self.fields[name].queryset = members
        self.fields["call"].queryset = Call.objects.order_by("-deadline", "identifier")

    def clean(self):
        data = super().clean()
        low, high = data.get("min_size"), data.get("max_size")
        if low and high and high < low:
            self.add_error("max_size", _("The maximum cannot be below the minimum."))
        both = set(data.get("include") or []) & set(data.get("exclude") or [])
        if data.get("coordinator") is not None and data["coordinator"] in (data.get("exclude") or []):
            both.add(data["coordinator"])
        if both:
            self.add_error("exclude", _("Included and left out at once: %(names)s.")
                           % {"names": ", ".join(sorted(o.name for o in both))})
        return data


class ProposalForm(BootstrapFormMixin, forms.Form):
    """One of the builder's alternatives, saved as a proposal: its members travel in the form."""

    acronym = forms.CharField(label=_("Acronym of the proposal"), max_length=60)
    call = forms.ModelChoiceField(queryset=Call.objects.all(), widget=forms.HiddenInput)
    coordinator = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False,
                                         widget=forms.HiddenInput)
    members = forms.ModelMultipleChoiceField(queryset=Organisation.objects.none(), widget=forms.MultipleHiddenInput)

    def __init__(self, *args, cluster=None, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = candidates_for(cluster, network=True)
        self.fields["coordinator"].queryset = candidates
        self.fields["members"].queryset = candidates


def _offer_organisations(field: forms.ModelChoiceField, organisations) -> None:
    """The organisations the user represents; the only one chosen already (most users represent one)."""
    field.queryset = organisations if organisations is not None else Organisation.objects.none()
    if organisations is not None and len(organisations) == 1:
        field.initial = organisations[0].pk
        field.empty_label = None


class PartnerSearchForm(BootstrapFormMixin, forms.Form):
    organisation = OrganisationChoice(label=_("Posted by"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    body = forms.CharField(label=_("The partners you look for and what you bring"), required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))
    visibility = forms.ChoiceField(label=_("Visible to"), choices=Visibility.choices, initial=Visibility.PUBLIC)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_organisations(self.fields["organisation"], organisations)


class InterestForm(BootstrapFormMixin, forms.Form):
    organisation = OrganisationChoice(label=_("On behalf of"), queryset=Organisation.objects.none())
    message = forms.CharField(label=_("What your organisation would bring"), max_length=3000,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_organisations(self.fields["organisation"], organisations)
