from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "filiera.directory"
    label = "directory"
    verbose_name = "Directory"

    def ready(self):
        from filiera.core import audit
        from filiera.directory.models import Membership, Opportunity, Organisation, Person

        audit.register(Organisation, organisation=lambda o: o.pk)
        audit.register(Membership, organisation=lambda m: m.organisation_id, cluster=lambda m: m.cluster_id)
        audit.register(Person, organisation=lambda p: p.organisation_id)
        audit.register(Opportunity, organisation=lambda o: o.organisation_id, cluster=lambda o: o.cluster_id)
