"""Existing consents become consent records with the dates they were given (their source is unknown: they came
with the data, so they are filed as imported)."""

from django.db import migrations

PURPOSES = (("directory", "consent_directory_at"), ("newsletter", "consent_newsletter_at"))


def records_from_timestamps(apps, schema_editor):
    Person = apps.get_model("directory", "Person")
    ConsentRecord = apps.get_model("privacy", "ConsentRecord")
    batch = []
    people = Person.objects.exclude(consent_directory_at__isnull=True, consent_newsletter_at__isnull=True)
    for person in people.iterator(chunk_size=2000):
        for purpose, field in PURPOSES:
            at = getattr(person, field)
            if at is not None:
                batch.append(ConsentRecord(
                    person_id=person.pk, person_ref=person.pk,
                    person_label=f"{person.first_name} {person.last_name}"[:200],
                    organisation_id=person.organisation_id, purpose=purpose, given=True, at=at, source="import",
                    note="On file before consent records were kept",
                ))
        if len(batch) >= 2000:
            ConsentRecord.objects.bulk_create(batch)
            batch = []
    ConsentRecord.objects.bulk_create(batch)


def drop_records(apps, schema_editor):
    apps.get_model("privacy", "ConsentRecord").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("directory", "0003_opportunity_published_at"),
    ]

    operations = [migrations.RunPython(records_from_timestamps, drop_records)]
