"""The staff's import page (/c/<cluster>/import/): upload, preview, confirm — and nobody else gets in."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from filiera.core.audit import acting_as
from filiera.core.models import AuditEntry, ClusterRole
from filiera.directory import importing
from filiera.directory.exporting import ORGANISATION_COLUMNS
from filiera.directory.models import Membership, Organisation
from filiera.directory.views.imports import SESSION_KEY

FILES = Path(__file__).parent / "files"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _system_actor():
    # Requests set the audit actor in the test's own context; start every test as "system".
    with acting_as(None):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def url(cluster) -> str:
    return reverse("staff:import", kwargs={"cluster_slug": cluster.slug})


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def written() -> tuple[int, int, int]:
    return Organisation.objects.count(), AuditEntry.objects.count(), Membership.objects.count()


def preview(client, cluster, name="organisations.csv", content=None):
    content = (FILES / "organisations.csv").read_bytes() if content is None else content
    return client.post(url(cluster), {"file": upload(name, content)})


def pending_tokens(client) -> list[str]:
    return list(client.session.get(SESSION_KEY, {}))


# --- who gets in -----------------------------------------------------------------------------------------------


def test_staff_manager_and_admin_see_the_page(as_user, cluster_a, staff, manager, admin):
    for user in (staff, manager, admin):
        response = as_user(user).get(url(cluster_a))
        assert response.status_code == 200
        assert b"Import organisations" in response.content
        assert b'enctype="multipart/form-data"' in response.content
        assert b"?download=template" in response.content


def test_others_get_nothing(as_user, cluster_a, outsider, member, observer, outsider_member):
    before = written()
    for user in (outsider, member, observer, outsider_member):
        client = as_user(user)
        assert client.get(url(cluster_a)).status_code == 404
        assert preview(client, cluster_a).status_code == 404
        assert client.get(url(cluster_a) + "?download=template").status_code == 404
    assert written() == before


def test_visitor_is_sent_to_sign_in(as_user, cluster_a):
    visitor = as_user(None)
    for response in (visitor.get(url(cluster_a)), preview(visitor, cluster_a)):
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    assert not Organisation.objects.filter(ref__startswith="IMP-").exists()


def test_template_download_is_the_header_line(as_user, cluster_a, staff):
    response = as_user(staff).get(url(cluster_a) + "?download=template")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").strip() == ",".join(ORGANISATION_COLUMNS)


# --- preview and confirm ---------------------------------------------------------------------------------------


def test_preview_then_confirm_imports_exactly_that_file(as_user, cluster_a, staff, value_chain, media_root):
    client = as_user(staff)
    before = written()
    response = preview(client, cluster_a)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview" in page
    assert "Would import: 3 to create, 0 to update, 0 unchanged." in page
    assert "3 would become active members of Alpha." in page
    assert "Confirm import" in page
    assert "Ortho Motion Srl" in page and "Nordic Care Robots ApS" in page
    assert page.count('class="badge text-bg-success"') == 3  # create, per row
    assert written() == before  # a preview saves nothing

    [token] = pending_tokens(client)
    assert f'name="token" value="{token}"' in page
    stored = media_root / "imports" / token
    assert stored.read_bytes() == (FILES / "organisations.csv").read_bytes()

    response = client.post(url(cluster_a), {"token": token})
    assert response.status_code == 302 and response["Location"] == url(cluster_a)
    assert Organisation.objects.filter(ref__startswith="IMP-").count() == 3
    memberships = Membership.objects.filter(cluster=cluster_a, organisation__ref__startswith="IMP-")
    assert set(memberships.values_list("status", flat=True)) == {"active"}
    created = AuditEntry.objects.filter(model="directory.organisation", action="create")
    assert {(e.actor_id, e.actor_label) for e in created} == {(staff.pk, "staff")}
    assert not stored.exists()
    assert pending_tokens(client) == []
    page = client.get(url(cluster_a)).content.decode()
    assert "Imported: 3 created, 0 updated, 0 unchanged." in page

    # The same token cannot be confirmed twice.
    before = written()
    response = client.post(url(cluster_a), {"token": token})
    assert response.status_code == 400
    assert written() == before


def test_preview_lists_errors_and_offers_no_confirmation(as_user, cluster_a, staff, media_root):
    client = as_user(staff)
    before = written()
    content = b"ref,name,country,colour\nA,Acme,IT,red\nB,,IT,blue\nC,Gamma,XX,green\n"
    response = preview(client, cluster_a, content=content)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 problems: nothing can be imported" in page
    assert "row 3, column name: this required cell is empty." in page
    assert "row 4, column country: “XX” is not an ISO 3166 two-letter country code" in page
    assert "row 1, column colour: unknown column, ignored." in page
    assert "Confirm import" not in page
    assert pending_tokens(client) == []
    assert not (media_root / "imports").exists() or not any((media_root / "imports").iterdir())
    assert written() == before


def test_preview_of_an_update_shows_changed_fields_and_duplicates(as_user, cluster_a, staff, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(ref="MS-1")
    content = b"ref,name,country,city\nMS-1,MedSense Srl,IT,Imola\nN-1,Medsense S.r.l,IT,Bologna\n"
    page = preview(as_user(staff), cluster_a, content=content).content.decode()
    assert "Would import: 1 to create, 1 to update, 0 unchanged." in page
    assert "already a member" in page and "joins" in page
    assert ">city<" in page  # the changed field of the update
    assert "1 likely duplicate" in page
    assert "row 3, column name: “Medsense S.r.l” looks like row 2, “MedSense Srl”" in page


def test_binary_upload_is_refused(as_user, cluster_a, staff):
    page = preview(as_user(staff), cluster_a, name="photo.csv", content=b"\x89PNG\r\n\x1a\n\x00\x00").content.decode()
    assert "This is a PNG image, not a CSV or XLSX file." in page
    page = preview(as_user(staff), cluster_a, name="data.csv", content=b"ref\x00\x01\x02\xff,name").content.decode()
    assert "This is not a CSV or XLSX file: it contains binary data." in page
    assert "Confirm import" not in page


def test_upload_over_the_limit_is_refused_before_reading(as_user, cluster_a, staff, settings):
    settings.FILIERA_IMPORT_MAX_BYTES = 50
    response = preview(as_user(staff), cluster_a)
    assert response.status_code == 400
    assert "The file is larger than the limit of 50\xa0bytes." in response.content.decode()
    assert pending_tokens(as_user(staff)) == []


def test_missing_file_is_a_form_error(as_user, cluster_a, staff):
    response = as_user(staff).post(url(cluster_a), {})
    assert response.status_code == 400
    assert b"invalid-feedback" in response.content


def test_xlsx_upload_previews(as_user, cluster_a, staff):
    workbook = Workbook()
    workbook.active.append(["ref", "name", "country"])
    workbook.active.append(["X-1", "Excel Health", "ES"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = preview(as_user(staff), cluster_a, name="members.xlsx", content=buffer.getvalue()).content.decode()
    assert "XLSX" in page and "Excel Health" in page and "Confirm import" in page


# --- tokens belong to one session and one cluster --------------------------------------------------------------


def test_confirm_with_a_foreign_token_is_refused(as_user, cluster_a, staff, manager, media_root):
    owner = as_user(staff)
    preview(owner, cluster_a)
    [token] = pending_tokens(owner)
    before = written()
    # A colleague of the same cluster who learns the token cannot confirm someone else's upload.
    response = as_user(manager).post(url(cluster_a), {"token": token})
    assert response.status_code == 400
    assert "not waiting for your confirmation" in response.content.decode()
    assert written() == before
    assert (media_root / "imports" / token).exists()  # the owner can still confirm it
    for forged in ("", "../../settings.py", "A" * 32):
        assert as_user(staff).post(url(cluster_a), {"token": forged}).status_code == 400
    assert written() == before
    assert owner.post(url(cluster_a), {"token": token}).status_code == 302
    assert Organisation.objects.filter(ref__startswith="IMP-").count() == 3


def test_token_previewed_for_one_cluster_cannot_be_used_in_another(as_user, cluster_a, cluster_b, admin, staff):
    ClusterRole.objects.create(user=staff, cluster=cluster_b, role=ClusterRole.Role.STAFF)
    client = as_user(staff)
    preview(client, cluster_a)
    [token] = pending_tokens(client)
    before = written()
    assert client.post(url(cluster_b), {"token": token}).status_code == 400
    assert written() == before
    assert not Membership.objects.filter(cluster=cluster_b, organisation__ref__startswith="IMP-").exists()


def test_outsider_cannot_confirm(as_user, cluster_a, staff, outsider):
    client = as_user(staff)
    preview(client, cluster_a)
    [token] = pending_tokens(client)
    before = written()
    assert as_user(outsider).post(url(cluster_a), {"token": token}).status_code == 404
    assert written() == before


def test_a_new_preview_replaces_the_waiting_one(as_user, cluster_a, staff, media_root):
    client = as_user(staff)
    preview(client, cluster_a)
    [first] = pending_tokens(client)
    preview(client, cluster_a, content=b"ref,name,country\nR-1,Replacement,IT\n")
    [second] = pending_tokens(client)
    assert first != second
    assert not (media_root / "imports" / first).exists()
    assert client.post(url(cluster_a), {"token": first}).status_code == 400
    assert client.post(url(cluster_a), {"token": second}).status_code == 302
    assert list(Organisation.objects.filter(ref__in=["R-1", "IMP-001"]).values_list("ref", flat=True)) == ["R-1"]


def test_uploads_never_confirmed_are_purged_after_a_day(media_root):
    stale, fresh = importing.store_upload(b"old"), importing.store_upload(b"new")
    day_ago = time.time() - importing.UPLOAD_MAX_AGE - 60
    os.utime(media_root / "imports" / stale, (day_ago, day_ago))
    importing.purge_stale_uploads()
    assert importing.load_upload(stale) is None
    assert importing.load_upload(fresh) == b"new"
