"""Forms of events: the registration form (its fields follow the event's questions) and the staff's event form with
its questions."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from filiera.core.countries import country_choices
from filiera.directory.forms import BootstrapFormMixin
from filiera.events.models import Event, EventText, RegistrationQuestion


class RegistrationForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200, required=False)

    def answers(self) -> dict[str, str]:
        return {name.removeprefix("answer_"): value for name, value in self.cleaned_data.items()
                if name.startswith("answer_")}


def registration_form(event: Event, *args, **kwargs) -> RegistrationForm:
    """The registration form of an event: name, email and organisation, then a field for each of its questions
    (named answer_<question id>, as the service names its errors)."""
    fields = {}
    for question in event.questions.all():
        if question.kind == RegistrationQuestion.Kind.CHOICE:
            field = forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in question.choices])
        elif question.kind == RegistrationQuestion.Kind.YES_NO:
            field = forms.ChoiceField(choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))])
        elif question.kind == RegistrationQuestion.Kind.LONG_TEXT:
            field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
        else:
            field = forms.CharField(max_length=300)
        field.label, field.required = question.label, question.required
        fields[f"answer_{question.pk}"] = field
    form_class = type("EventRegistrationForm", (RegistrationForm,), fields)
    return form_class(*args, **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class EventForm(BootstrapFormMixin, forms.ModelForm):
    languages = forms.MultipleChoiceField(label=_("Languages"), choices=settings.LANGUAGES, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    country = forms.ChoiceField(label=_("Country"), required=False)
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https",
                                help_text=_("Sent to confirmed participants only."))

    class Meta:
        model = Event
        fields = ["title", "slug", "kind", "audience", "status", "summary", "description", "languages", "starts_at",
                  "ends_at", "venue", "city", "country", "online_url", "capacity", "registration_closes_at"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput(),
                   "registration_closes_at": DateTimeInput(), "description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, cluster=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster = cluster
        self.fields["country"].choices = country_choices(self.instance.country or "")
        self.fields["slug"].help_text = _("The event's address: lower-case letters, digits and hyphens.")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        taken = Event.objects.filter(cluster=self.cluster, slug=slug).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another event of this cluster has this address."))
        return slug

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The event cannot end before it starts."))
        return data


class QuestionForm(BootstrapFormMixin, forms.ModelForm):
    choices = forms.CharField(label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("For a choice question: one choice a line."))

    class Meta:
        model = RegistrationQuestion
        fields = ["label", "kind", "choices", "required", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and isinstance(self.instance.choices, list):
            self.initial["choices"] = "\n".join(self.instance.choices)

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data.get("choices", "").splitlines() if line.strip()]

    def clean(self):
        data = super().clean()
        if data.get("kind") == RegistrationQuestion.Kind.CHOICE and data.get("label") and len(
                data.get("choices") or []) < 2:
            self.add_error("choices", _("A choice question needs at least two choices."))
        return data


QuestionFormSet = inlineformset_factory(Event, RegistrationQuestion, form=QuestionForm, extra=2, can_delete=True)


class EventTextForm(BootstrapFormMixin, forms.ModelForm):
    # A blank first choice: an untouched extra form stays unchanged, and is skipped.
    language = forms.ChoiceField(label=_("Language"), choices=[("", "—"), *settings.LANGUAGES])

    class Meta:
        model = EventText
        fields = ["language", "title", "summary", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


TextFormSet = inlineformset_factory(Event, EventText, form=EventTextForm, extra=1, can_delete=True)


class ParticipantForm(BootstrapFormMixin, forms.Form):
    offers = forms.CharField(label=_("What we offer"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             max_length=2000)
    looks_for = forms.CharField(label=_("What we look for"), widget=forms.Textarea(attrs={"rows": 3}),
                                required=False, max_length=2000)
    max_meetings = forms.IntegerField(label=_("At most this many meetings"), min_value=1, required=False)
    unavailable = forms.ModelMultipleChoiceField(label=_("Slots when we cannot meet"), queryset=None, required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    opportunities = forms.ModelMultipleChoiceField(
        label=_("Our offers and requests to show"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Published opportunities of your organisation, shown on your card in the marketplace."))

    def __init__(self, event: Event, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unavailable"].queryset = event.slots.all()
        if organisation is None:
            del self.fields["opportunities"]
        else:
            from filiera.directory.models import Opportunity

            self.fields["opportunities"].queryset = organisation.opportunities.filter(
                status=Opportunity.Status.PUBLISHED).order_by("-published_at", "-pk")


class MeetingRequestForm(BootstrapFormMixin, forms.Form):
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=1000)


class SlotsForm(BootstrapFormMixin, forms.Form):
    session = forms.CharField(label=_("Session"), max_length=60)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.IntegerField(label=_("Minutes a meeting"), min_value=5, max_value=240, initial=20)


class TablesForm(BootstrapFormMixin, forms.Form):
    onsite = forms.IntegerField(label=_("On-site tables"), min_value=0, max_value=500, initial=0)
    online = forms.IntegerField(label=_("Online rooms"), min_value=0, max_value=500, initial=0)


class NeedForm(BootstrapFormMixin, forms.Form):
    SUGGESTED_ACTORS = ("GP", "Social worker", "Patient", "Carer", "Nurse", "Sensor technician", "Hospital manager")

    actor = forms.CharField(label=_("Voiced by"), max_length=80,
                            help_text=_("The kind of actor: GP, social worker, patient, sensor technician, …"),
                            widget=forms.TextInput(attrs={"list": "actor-kinds"}))
    text = forms.CharField(label=_("Need"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
