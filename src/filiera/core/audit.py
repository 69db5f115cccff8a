"""The audit log: every create, change and delete of an audited model, with who, when, fields, old and new values.

Recording hangs off model signals so that nothing escapes it — web pages, the API, imports, the Django admin and
the shell all write through the ORM. Who acted comes from a context variable set, for the length of one request,
call or command, by `with acting_as(user):` (the request middleware, the API and commands do this).

Models opt in with `register(Model, organisation=..., cluster=...)`, naming how to find the organisation and the
cluster an entry belongs to (staff of those clusters may read it).
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
from collections.abc import Callable
from contextlib import contextmanager

from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save

from filiera.core.models import AuditEntry

_actor: contextvars.ContextVar = contextvars.ContextVar("filiera_audit_actor", default=None)
_actor_label: contextvars.ContextVar = contextvars.ContextVar("filiera_audit_actor_label", default="")

SKIPPED_FIELDS = {"search_text", "created_at", "updated_at"}


@contextmanager
def acting_as(user, label: str = ""):
    """Attribute every audited change inside the block to `user` (or to `label` for a system actor)."""
    token = _actor.set(user if user is not None and getattr(user, "is_authenticated", False) else None)
    token_label = _actor_label.set(label or (user.get_username() if user is not None and user.pk else "system"))
    try:
        yield
    finally:
        _actor.reset(token)
        _actor_label.reset(token_label)


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # One text per number ("300000" whether the database said 300000.00 or a form said 300000), so that an
        # unchanged amount is not logged as a change.
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):  # an uploaded file is logged by its stored name
        return value.name or ""
    return value


def _tracked_fields(model) -> list[models.Field]:
    # Binary fields (a need's embedding vector) are derived data and not JSON: they are not logged.
    return [f for f in model._meta.concrete_fields
            if f.name not in SKIPPED_FIELDS and not f.primary_key and not isinstance(f, models.BinaryField)]


def snapshot(instance) -> dict:
    """The audited values of a record; fields deferred by .only()/.defer() are left out rather than loaded."""
    deferred = instance.get_deferred_fields()
    return {
        f.attname: _jsonable(getattr(instance, f.attname))
        for f in _tracked_fields(type(instance))
        if f.attname not in deferred
    }


_registry: dict[type, tuple[Callable, Callable]] = {}


def register(model, organisation: Callable = lambda obj: None, cluster: Callable = lambda obj: None) -> None:
    """Audit `model`. `organisation(obj)` and `cluster(obj)` give the ids an entry is filed under."""
    _registry[model] = (organisation, cluster)
    post_init.connect(_remember_initial, sender=model, weak=False)
    post_save.connect(_on_save, sender=model, weak=False)
    post_delete.connect(_on_delete, sender=model, weak=False)
    for field in model._meta.many_to_many:
        m2m_changed.connect(_on_m2m, sender=field.remote_field.through, weak=False)


def _remember_initial(sender, instance, **kwargs):
    # Rows loaded from the database remember their values, so a later save can log old -> new without a query.
    instance._audit_initial = snapshot(instance) if instance.pk else None


def _entry(instance, action: str, changes: dict) -> AuditEntry:
    organisation_of, cluster_of = _registry[type(instance)]
    return AuditEntry(
        actor=_actor.get(),
        actor_label=_actor_label.get() or "system",
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        organisation_id=organisation_of(instance),
        cluster_id=cluster_of(instance),
        changes=changes,
    )


def _write(instance, action: str, changes: dict) -> None:
    _entry(instance, action, changes).save()


def _created_changes(instance) -> dict:
    return {name: [None, value] for name, value in snapshot(instance).items() if value not in (None, "", False)}


def created_entry(instance, extra_changes: dict | None = None) -> AuditEntry:
    """The (unsaved) entry the signals would write for a newly created record, for code that uses bulk_create
    (which sends no signals); the caller saves the entries in bulk. `extra_changes` adds many-to-many fields."""
    return _entry(instance, AuditEntry.Action.CREATE, {**_created_changes(instance), **(extra_changes or {})})


def updated_entry(instance, changes: dict) -> AuditEntry:
    """The (unsaved) entry of a change written with QuerySet.update (which sends no signals): `changes` maps each
    field to [old, new]. The caller saves the entries in bulk."""
    return _entry(instance, AuditEntry.Action.UPDATE, {name: [_jsonable(old), _jsonable(new)]
                                                       for name, (old, new) in changes.items()})


def _on_save(sender, instance, created, **kwargs):
    if kwargs.get("raw"):
        return
    current = snapshot(instance)
    initial = getattr(instance, "_audit_initial", None)
    if created or initial is None:
        _write(instance, AuditEntry.Action.CREATE, _created_changes(instance))
    else:
        changes = {
            name: [initial[name], value]
            for name, value in current.items()
            if name in initial and initial[name] != value
        }
        if changes:
            _write(instance, AuditEntry.Action.UPDATE, changes)
    instance._audit_initial = current


def _on_delete(sender, instance, **kwargs):
    changes = {name: [value, None] for name, value in snapshot(instance).items() if value not in (None, "", False)}
    _write(instance, AuditEntry.Action.DELETE, changes)


def _on_m2m(sender, instance, action, reverse, model, pk_set, **kwargs):
    if reverse or type(instance) not in _registry:
        return
    field = next(f for f in instance._meta.many_to_many if f.remote_field.through is sender)
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._audit_m2m_before = sorted(getattr(instance, field.name).values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    before = getattr(instance, "_audit_m2m_before", [])
    after = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    if before != after:
        _write(instance, AuditEntry.Action.UPDATE, {field.name: [before, after]})


def history(model_label: str, object_id) -> models.QuerySet:
    """Entries of one record, newest first."""
    return AuditEntry.objects.filter(model=model_label, object_id=str(object_id)).select_related("actor")
