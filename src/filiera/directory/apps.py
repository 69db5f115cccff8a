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

        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, pre_delete

        pre_delete.connect(_unlink_deleted_user, sender=get_user_model(), weak=False)

        from filiera.directory.queries import directory_changed

        # An organisation's value chains and competences change without a save of the organisation.
        for through in (Organisation.value_chains.through, Organisation.concepts.through):
            m2m_changed.connect(directory_changed, sender=through, weak=False)
        # A deletion leaves no newer `updated_at` behind (a cluster's deletion cascades to its memberships: the
        # signal is sent for each of them).
        for model in (Organisation, Membership):
            post_delete.connect(directory_changed, sender=model, weak=False)


def _unlink_deleted_user(sender, instance, **kwargs):
    """Deleting a user would null its links to people and opportunities with a plain SQL UPDATE that the audit log
    never sees; unlink them through the ORM first, so that the change is recorded."""
    from filiera.directory.models import Opportunity, Person

    for person in Person.objects.filter(user=instance):
        person.user = None
        person.save(update_fields=["user"])
    for opportunity in Opportunity.objects.filter(author=instance):
        opportunity.author = None
        opportunity.save(update_fields=["author"])
