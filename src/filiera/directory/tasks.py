"""Background tasks of the directory: thin wrappers that load by id and call a service."""

from huey.contrib.djhuey import db_task

from filiera.directory import notifications


@db_task()
def notify_membership_change(membership_id: int) -> int:
    return notifications.send_membership_notice(membership_id)
