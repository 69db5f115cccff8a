"""Personal data: the cluster staff export a contact's data, then erase it against that export."""

import json
import zipfile

from playwright.sync_api import expect

from filiera.directory.models import Person
from filiera.privacy.models import Erasure
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.privacy.conftest import contact, contact_user  # noqa: F401 (fixtures)


def test_staff_export_then_erase_a_person(page, staff, contact, tmp_path):  # noqa: F811
    sign_in(page, "staff", PASSWORD)
    page.goto(f"/c/alpha/people/{contact.pk}/")
    expect(page.get_by_role("heading", name="Consent history")).to_be_visible()
    expect(page.get_by_role("cell", name="Listed in the public directory")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Export personal data").click()
    path = tmp_path / "export.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert json.loads(archive.read("person.json"))["last_name"] == "Verdi"

    page.get_by_role("link", name="Erase").click()
    expect(page.get_by_role("heading", name="Erase the personal data of Giulia Verdi")).to_be_visible()
    expect(page.get_by_label("Digest of the export")).to_have_value(manifest["digest"])
    page.get_by_role("button", name="Erase").click()
    expect(page.get_by_role("alert")).to_contain_text("The person's data was erased")
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    assert not Person.objects.filter(pk=contact.pk).exists()
    assert Erasure.objects.get().export_digest == manifest["digest"]
