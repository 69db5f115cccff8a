"""Forms of the challenge pages. They parse what was typed; the services check who may act, apply the rules and save
(the directory's habit: forms that never save)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filiera.challenges.models import Actor, Challenge, Theme
from filiera.directory.forms import BootstrapFormMixin, ServiceModelForm
from filiera.directory.models import Opportunity, Organisation
from filiera.projects.forms import OrganisationChoice
from filiera.projects.services import candidates_for

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChallengeForm(ServiceModelForm):
    owner = OrganisationChoice(label=_("Owner"), required=False, queryset=Organisation.objects.none(),
                               help_text=_("The health provider, authority or region whose problem it is"))

    class Meta:
        model = Challenge
        fields = ["title", "owner", "statement", "scope", "language", "opens_on", "closes_on", "open_voting"]
        widgets = {"opens_on": DATE, "closes_on": DATE, "statement": forms.Textarea(attrs={"rows": 5}),
                   "scope": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, cluster=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.record.owner_id if self.record is not None else None
        self.fields["owner"].queryset = Organisation.objects.filter(
            Q(pk__in=candidates_for(cluster, network=True).values("pk")) | Q(pk=current)).order_by("name")

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The challenge cannot close before it opens."))
        return data

    def _post_clean(self):  # the service validates the model (with its cluster)
        pass


class NeedForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("The need"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("One need, in your own words and your own language."))
    actor = forms.ChoiceField(label=_("Who voices it"), choices=[("", "—"), *Actor.choices])
    voiced_by = forms.CharField(label=_("Organisation or place"), max_length=200, required=False,
                                help_text=_("Optional: a service, a town, an organisation. No personal names."))


class PublicNeedForm(NeedForm):
    # A field people do not see and robots fill in: a need that comes with it is dropped.
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))


class BallotForm(forms.Form):
    theme = forms.ModelMultipleChoiceField(label=_("Your priorities"), required=False, queryset=Theme.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, challenge=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = challenge.themes.order_by("position", "pk")
        self.fields["theme"].widget.attrs["class"] = "form-check-input"


class OfferChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Opportunity) -> str:
        return f"{obj.organisation.name}: {obj.title}"


class SolutionForm(BootstrapFormMixin, forms.Form):
    organisation = OrganisationChoice(label=_("On behalf of"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("How it answers the theme"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    opportunity = OfferChoice(label=_("Builds on the offer"), required=False, queryset=Opportunity.objects.none(),
                              help_text=_("One of your organisation's published offers, if the solution builds on "
                                          "it."))

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        ids = [o.pk for o in organisations]
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=ids).order_by("name")
        if len(ids) == 1:
            self.fields["organisation"].empty_label = None
        self.fields["opportunity"].queryset = Opportunity.objects.filter(
            organisation_id__in=ids, status=Opportunity.Status.PUBLISHED).select_related("organisation") \
            .order_by("organisation__name", "title")


class GroupForm(BootstrapFormMixin, forms.Form):
    max_themes = forms.IntegerField(label=_("At most this many themes"), required=False, min_value=1, max_value=50,
                                    help_text=_("Empty: as many as the needs call for."))


class ActivityForm(BootstrapFormMixin, forms.Form):
    """The staff's choices for the consortium of a theme's activity (a GET form, like the consortium builder's)."""

    coordinator = OrganisationChoice(label=_("Coordinator"), required=False, queryset=Organisation.objects.none(),
                                     help_text=_("Always in the consortium."))
    min_size = forms.IntegerField(label=_("At least this many partners"), required=False, min_value=1, max_value=60,
                                  help_text=_("Empty: 3."))
    max_size = forms.IntegerField(label=_("At most this many partners"), required=False, min_value=1, max_value=60,
                                  help_text=_("Empty: 8."))
    max_per_country = forms.IntegerField(label=_("At most this many from one country"), required=False, min_value=1,
                                         max_value=60)
    network = forms.BooleanField(label=_("Look among the members of the whole network"), required=False,
                                 initial=True)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = organisations.order_by("name")

    def clean(self):
        data = super().clean()
        low, high = data.get("min_size"), data.get("max_size")
        if low and high and high < low:
            self.add_error("max_size", _("The maximum cannot be below the minimum."))
        return data


class ActivitySaveForm(forms.Form):
    """One of the builder's alternatives, saved as the theme's project idea: its members travel in the form."""

    acronym = forms.CharField(label=_("Acronym of the project idea"), max_length=60)
    coordinator = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False,
                                         widget=forms.HiddenInput)
    organisations = forms.ModelMultipleChoiceField(queryset=Organisation.objects.none(),
                                                   widget=forms.MultipleHiddenInput)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = organisations
        self.fields["organisations"].queryset = organisations
