"""Forms of the monitoring back office: the targets of a year (one optional field per indicator) and a figure the
platform cannot know. They parse and validate what was typed; monitoring.services checks who may act and saves."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiera.directory.forms import BootstrapFormMixin
from filiera.monitoring import kpis
from filiera.monitoring.models import ManualFigure
from filiera.monitoring.services import AREAS, LABELS

UNIT_SUFFIXES = {"percent": "%", "eur": "EUR", "fte": _("FTE"), "score": _("of 5")}


def _amount(label, **extra) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, max_digits=16, decimal_places=2,
                              widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}), **extra)


class TargetsForm(BootstrapFormMixin, forms.Form):
    """One optional field per indicator (named by its code), filled with the year's targets; emptied, a target is
    removed. Figures entered by staff and the collaboration network's have targets for the whole cluster only, not
    per value chain."""

    def __init__(self, *args, targets: dict[str, float], value_chain=None, **kwargs):
        super().__init__(*args, initial={code: _plain(value) for code, value in targets.items()}, **kwargs)
        self.targets = targets
        for indicator in kpis.CATALOGUE:
            if indicator.whole_cluster and value_chain is not None:
                continue
            field = _amount(LABELS[indicator.code], required=False)
            field.widget.attrs["class"] = "form-control"  # added after the mixin styled the declared fields
            field.unit_suffix = UNIT_SUFFIXES.get(indicator.unit, "")
            field.lower_is_better = not indicator.higher_is_better
            self.fields[indicator.code] = field

    def areas(self) -> list[tuple[str, list[forms.BoundField]]]:
        grouped: dict[str, list[forms.BoundField]] = {}
        for indicator in kpis.CATALOGUE:
            if indicator.code in self.fields:
                grouped.setdefault(indicator.area, []).append(self[indicator.code])
        return [(str(AREAS[area]), grouped[area]) for area in AREAS if area in grouped]

    def changed_targets(self) -> dict[str, Decimal | None]:
        """The indicators whose target the form changes: a new or different value, or emptied."""
        changed = {}
        for code in self.fields:
            value = self.cleaned_data.get(code)
            if (None if value is None else float(value)) != self.targets.get(code):
                changed[code] = value
        return changed


def _plain(value: float) -> str:
    """A target as typed: 12 rather than 12.0."""
    return f"{value:f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


class FigureForm(BootstrapFormMixin, forms.Form):
    indicator = forms.ChoiceField(label=_("Figure"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    value = _amount(_("Value"))
    evidence = forms.CharField(label=_("Evidence"), max_length=500,
                               help_text=ManualFigure._meta.get_field("evidence").help_text)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.code, LABELS[i.code]) for i in kpis.CATALOGUE if i.manual]
        self.fields["year"].initial = timezone.localdate().year
