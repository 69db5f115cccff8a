from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "filiera.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from filiera.core import audit
        from filiera.privacy.models import ConsentRecord, Erasure

        audit.register(ConsentRecord, organisation=lambda r: r.organisation_id)
        audit.register(Erasure, organisation=lambda e: e.organisation_id)
