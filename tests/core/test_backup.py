"""`filiera backup` and `filiera restore` on the database the suite runs on (SQLite, and PostgreSQL in its pass):
a round trip gives back every table as it was, row for row; a file that is not a backup of this kind of database
is refused with what is wrong, and the database is left as it was."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from filiera.core import backup
from filiera.core.models import ClusterRole
from filiera.directory.models import Membership, Opportunity, Organisation

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads what is committed


def test_a_backup_restored_gives_back_every_table_row_for_row(tmp_path, org_a, org_b, staff, member, opportunity_a,
                                                              capsys):
    before = backup.table_digests()
    assert before["directory_organisation"][0] == 2 and before["core_clusterrole"][0] >= 1
    path = tmp_path / "filiera.backup"
    call_command("backup", str(path))
    assert "backup:" in capsys.readouterr().out and path.stat().st_size > 0
    # Changes after the backup: a member deleted, a role gone, an opportunity edited, an organisation added.
    Opportunity.objects.filter(pk=opportunity_a.pk).update(title="Changed after the backup")
    ClusterRole.objects.all().delete()
    Membership.objects.filter(organisation=org_b).delete()
    Organisation.objects.create(slug="late", name="Late Arrival", kind="sme", country="IT")
    changed = backup.table_digests()
    assert changed != before
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))
    assert backup.table_digests() == changed  # nothing restored without --yes
    call_command("restore", str(path), "--yes")
    after = backup.table_digests()
    assert [table for table in before if before[table] != after.get(table)] == []
    assert set(after) == set(before)
    assert Opportunity.objects.get(pk=opportunity_a.pk).title == opportunity_a.title


@pytest.mark.parametrize("content, message", [
    (b"name,country\nMedSense,IT\n", "not a Filiera backup"),
    (b"", "not a Filiera backup"),
])
def test_a_file_that_is_no_backup_is_refused_and_nothing_changes(tmp_path, org_a, content, message):
    before = backup.table_digests()
    path = tmp_path / "not-a-backup"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path), "--yes")
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing"), "--yes")
    assert backup.table_digests() == before


def test_a_backup_of_the_other_kind_of_database_is_refused(tmp_path, org_a):
    from django.db import connection

    path = tmp_path / "other.backup"
    other = backup.PG_DUMP_HEADER if connection.vendor == "sqlite" else backup.SQLITE_HEADER
    path.write_bytes(other + b"\x00" * 64)
    with pytest.raises(CommandError, match="this site runs on"):
        call_command("restore", str(path), "--yes")
