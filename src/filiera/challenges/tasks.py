"""Background tasks of challenges: thin wrappers that load by id and call a service."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from filiera.challenges import services


@db_task()
def send_invitations(invitation_ids: list[int]) -> int:
    """Mail the representatives of the invited organisations the themes suggested for them."""
    return services.mail_invitations(invitation_ids)
