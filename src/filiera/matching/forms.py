"""The search form: a text in any language, the language (detected unless chosen), what to look for and facets."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filiera.core.models import Cluster, Concept, ValueChain
from filiera.directory.models import Helix, Opportunity, OrganisationKind
from filiera.directory.queries import country_choices_in_use
from filiera.matching.services import SearchFilters

WHAT_CHOICES = [
    ("all", _("Everything")),
    ("organisations", _("Organisations")),
    ("opportunities", _("Offers and needs")),
]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=300, required=True, strip=True,
                        error_messages={"required": _("Type what you are looking for, in any language.")})
    lang = forms.ChoiceField(
        label=_("Language of the search"), required=False,
        error_messages={"invalid_choice": _("%(value)s is not a language the search knows; pick one from the list "
                                            "or let it be detected.")},
    )
    what = forms.ChoiceField(label=_("Look for"), choices=WHAT_CHOICES, required=False, initial="all")
    kind = forms.MultipleChoiceField(label=_("Kind of organisation"), choices=OrganisationKind.choices,
                                     required=False)
    helix = forms.MultipleChoiceField(label=_("Helix"), choices=Helix.choices, required=False)
    country = forms.MultipleChoiceField(label=_("Country"), required=False)
    value_chain = forms.ModelMultipleChoiceField(label=_("Value chain"), queryset=ValueChain.objects.all(),
                                                 to_field_name="slug", required=False)
    cluster = forms.ModelMultipleChoiceField(label=_("Cluster"), queryset=Cluster.objects.order_by("name"),
                                             to_field_name="slug", required=False)
    type = forms.MultipleChoiceField(label=_("Type of opportunity"), choices=Opportunity.Type.choices,
                                     required=False)
    # Only the concepts someone uses: the whole vocabulary would make a list nobody can read.
    concept = forms.ModelMultipleChoiceField(label=_("Competence"), queryset=Concept.objects.none(),
                                             to_field_name="slug", required=False)
    expired = forms.BooleanField(label=_("Include expired opportunities"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lang"].choices = [("", _("Detect automatically"))] + list(settings.CONTENT_LANGUAGES)
        self.fields["country"].choices = country_choices_in_use()
        self.fields["concept"].queryset = Concept.objects.filter(
            Q(organisations__isnull=False) | Q(opportunities__isnull=False)).distinct()
        self.fields["concept"].label_from_instance = lambda c: c.label

    def search_filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            org_kind=data["kind"], helix=data["helix"], country=data["country"],
            value_chain=[vc.slug for vc in data["value_chain"]], cluster=[c.slug for c in data["cluster"]],
            type=data["type"], concept=[c.slug for c in data["concept"]], include_expired=data["expired"],
        )

    FILTERS = ("kind", "helix", "country", "value_chain", "cluster", "type", "concept")

    def filter_fields(self) -> list[tuple]:
        """The filters' multiple selects as (bound field, [(value, label, selected)]): each field's choices read
        once, a model field's in one query (its choices iterator opens a server-side cursor, several round trips
        on PostgreSQL), and what was ticked compared once per field, not per option."""
        fields = []
        for name in self.FILTERS:
            bound = self[name]
            field = bound.field
            if isinstance(field, forms.ModelChoiceField):
                choices = [(getattr(obj, field.to_field_name or "pk"), field.label_from_instance(obj))
                           for obj in field.queryset]
            else:
                choices = field.choices
            ticked = {str(v) for v in (bound.value() or [])}
            fields.append((bound, [(str(value), label, str(value) in ticked) for value, label in choices]))
        return fields

    @property
    def has_filters(self) -> bool:
        return any(self.data.get(name) for name in ("kind", "helix", "country", "value_chain", "cluster", "type",
                                                    "concept", "expired"))
