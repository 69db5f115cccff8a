"""The project's multilingual vocabulary, shipped as data in `core/vocabulary/concepts.json`.

The concepts bridge languages in matching, and are the facets and tags users pick. `sync_vocabulary()` upserts the
file into the Concept table by slug, so a later, larger file extends the same rows and keeps their ids (and the tags
that point at them). Staff-made concepts that the file does not name are left alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from filiera.core.models import Concept

VOCABULARY_FILE = Path(__file__).resolve().parent / "vocabulary" / "concepts.json"
VOCABULARY_LANGUAGES = ("en", "it", "da", "es", "de")


def vocabulary_entries(path: Path = VOCABULARY_FILE) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["concepts"]


@dataclass
class VocabularySync:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def sync_vocabulary(path: Path = VOCABULARY_FILE) -> VocabularySync:
    """Create or update every concept of the file, then link each to its broader concept."""
    entries = vocabulary_entries(path)
    existing = {c.slug: c for c in Concept.objects.all()}
    result = VocabularySync()
    for entry in entries:
        fields = {"scheme": entry["scheme"], "labels": entry["labels"], "synonyms": entry.get("synonyms", {})}
        concept = existing.get(entry["slug"])
        if concept is None:
            existing[entry["slug"]] = Concept.objects.create(slug=entry["slug"], **fields)
            result.created += 1
        elif any(getattr(concept, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(concept, name, value)
            concept.save(update_fields=list(fields))
            result.updated += 1
        else:
            result.unchanged += 1
    for entry in entries:
        concept = existing[entry["slug"]]
        broader = existing.get(entry.get("broader") or "")
        if concept.broader_id != (broader.pk if broader else None):
            concept.broader = broader
            concept.save(update_fields=["broader"])
    return result
