"""A collaboration network's measures, computed in a task and kept until the data or the question changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Analysis(models.Model):
    """The measures of a cluster's (or a network's) collaboration network for a time window and kinds of tie, with
    the graph the viewer draws. Computed by a task (network.tasks); the page shows the latest one from its summary,
    and reads the graph (`result`, tens of megabytes for a network of tens of thousands of organisations) only to
    draw it whole, one community of it, or to export it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    cluster = models.ForeignKey("core.Cluster", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="network_analyses")
    network = models.ForeignKey("core.Network", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="analyses")
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("to"), null=True, blank=True)
    kinds = models.CharField(_("kinds of tie"), max_length=60, help_text="comma-separated kinds of tie")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True,
                              help_text="measures, suggestions and the graph (nodes and ties) as computed")
    summary = models.JSONField(default=dict, blank=True,
                               help_text="what the page reads, a few kilobytes whatever the network's size "
                                         "(network.services.summary_of)")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("network analysis")
        verbose_name_plural = _("network analyses")
        constraints = [models.CheckConstraint(condition=Q(cluster__isnull=True) ^ Q(network__isnull=True),
                                              name="analysis_of_a_cluster_or_a_network")]

    def __str__(self) -> str:
        return f"{self.cluster or self.network} {self.start or '…'}–{self.end or '…'} ({self.kinds})"

    @property
    def kind_list(self) -> list[str]:
        return [kind for kind in self.kinds.split(",") if kind]


class Community(models.Model):
    """One community of an analysis's graph (of two organisations or more): its organisations and the ties among
    them, as in the analysis's result, kept apart so that the viewer draws one community without reading the whole
    graph."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="communities")
    number = models.PositiveIntegerField(help_text="the engine's: by size, the largest first (0)")
    graph = models.JSONField(default=dict, help_text="nodes and ties, as in the analysis's result")

    class Meta:
        ordering = ["analysis", "number"]
        verbose_name = _("community of a network analysis")
        verbose_name_plural = _("communities of network analyses")
        constraints = [models.UniqueConstraint(fields=["analysis", "number"], name="one_community_per_number")]

    def __str__(self) -> str:
        return f"{self.analysis} #{self.number}"
