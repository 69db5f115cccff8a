"""Targets per indicator and year, and the figures the platform cannot know (staff FTE, budget, media coverage),
entered by staff with their evidence. The indicators themselves are computed from live data (monitoring.kpis)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Target(models.Model):
    cluster = models.ForeignKey("core.Cluster", on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("indicator"), max_length=40)
    year = models.PositiveIntegerField(_("year"))
    value_chain = models.ForeignKey("core.ValueChain", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("value chain"))
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["year", "indicator"]
        verbose_name = _("target")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "indicator", "year", "value_chain"],
                                    name="target_once_per_year_and_chain"),
            models.UniqueConstraint(fields=["cluster", "indicator", "year"], condition=Q(value_chain__isnull=True),
                                    name="target_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.value}"


class ManualFigure(models.Model):
    cluster = models.ForeignKey("core.Cluster", on_delete=models.CASCADE, related_name="manual_figures")
    indicator = models.CharField(_("indicator"), max_length=40)
    year = models.PositiveIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    evidence = models.CharField(_("evidence"), max_length=500,
                                help_text=_("Where the figure comes from: a document's link or a short reference"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year", "indicator"]
        verbose_name = _("figure entered by staff")
        constraints = [models.UniqueConstraint(fields=["cluster", "indicator", "year"], name="figure_once_per_year")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.value}"
