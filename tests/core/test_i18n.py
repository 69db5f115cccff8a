"""The interface in Italian, Danish and Spanish: the language cookie, the language switcher, and complete catalogues.

Pages go through the real HTTP stack with Django's language cookie (what LocaleMiddleware reads); the catalogue tests
parse the committed .po files, so an untranslated or fuzzy message, or a translation that lost a placeholder, fails here
as well as in scripts/check_translations.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext

from filiera.directory.models import Membership
from filiera.directory.notifications import send_membership_notice

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ("it", "da", "es")

# What a visitor must see on the home page, the directory and the sign-in page, in each language.
EXPECTED = {
    "it": {
        "/": ["Elenco", "Opportunità", "Offerte e richieste recenti", "la piattaforma aperta per i cluster"],
        "/directory/": ["Elenco delle organizzazioni", "Cerca organizzazioni", "1 organizzazione trovata", "PMI",
                        "Applica i filtri"],
        "/accounts/login/": ["Accedi", "Nome utente", "Password"],
    },
    "da": {
        "/": ["Katalog", "Opslag", "Seneste tilbud og efterspørgsler", "den åbne platform for klynger"],
        "/directory/": ["Katalog over organisationer", "Søg efter organisationer", "1 organisation fundet", "SMV",
                        "Anvend filtre"],
        "/accounts/login/": ["Log ind", "Brugernavn", "Adgangskode"],
    },
    "es": {
        "/": ["Directorio", "Oportunidades", "Ofertas y demandas recientes",
              "la plataforma abierta para los clústeres"],
        "/directory/": ["Directorio de entidades", "Buscar entidades", "1 entidad encontrada", "Pyme",
                        "Aplicar filtros"],
        "/accounts/login/": ["Iniciar sesión", "Nombre de usuario", "Contraseña"],
    },
}
# English text that must be gone once the page is translated.
ENGLISH = {
    "/": ["Recent offers and requests", "Skip to content"],
    "/directory/": ["Directory of organisations", "Apply filters", "organisation found"],
    "/accounts/login/": ["Username", "No account yet?"],  # "Password" is also Italian
}


def client_in(language: str | None) -> Client:
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", ["/", "/directory/", "/accounts/login/"])
def test_public_pages_speak_the_cookie_language(language, path, org_a, opportunity_a):
    response = client_in(language).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    for text in EXPECTED[language][path]:
        assert text in html, f"{language} {path}: {text!r} missing"
    for text in ENGLISH[path]:
        assert text not in html, f"{language} {path}: English {text!r} left"


@pytest.mark.django_db
def test_without_a_cookie_the_pages_are_in_english(org_a):
    html = client_in(None).get("/directory/").content.decode()
    assert '<html lang="en">' in html
    assert "Directory of organisations" in html
    assert "1 organisation found" in html


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "dashboard", "active"), [
    ("it", "Dati principali", "Soci attivi"),
    ("da", "Nøgletal", "Aktive medlemmer"),
    ("es", "Cifras clave", "Socios activos"),
])
def test_back_office_is_translated(language, dashboard, active, as_user, manager, org_a):
    client = as_user(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(f"/c/{org_a.memberships.get().cluster.slug}/").content.decode()
    assert dashboard in html and active in html
    assert "Key figures" not in html


@pytest.mark.django_db
def test_the_language_switcher_sets_the_cookie_and_the_next_page_follows_it(org_a):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "da", "next": "/directory/"})
    assert response.status_code == 302
    assert response["Location"] == "/directory/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "da"
    html = client.get("/directory/").content.decode()
    assert '<html lang="da">' in html and "Katalog over organisationer" in html

    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "Ofertas y demandas recientes" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_language_switcher_ignores_a_language_the_platform_does_not_have(org_a):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/directory/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert "Directory of organisations" in client.get("/directory/").content.decode()


@pytest.mark.parametrize(("language", "one", "many"), [
    ("it", "1 socio", "3 soci"),
    ("da", "1 medlem", "3 medlemmer"),
    ("es", "1 socio", "3 socios"),
])
def test_plural_forms(language, one, many):
    with translation.override(language):
        assert ngettext("%(counter)s member", "%(counter)s members", 1) % {"counter": 1} == one
        assert ngettext("%(counter)s member", "%(counter)s members", 3) % {"counter": 3} == many
        assert gettext("Technology offer") != "Technology offer"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "subject", "greeting", "line"), [
    ("it", "Alpha Health Cluster: lo stato della tua adesione è ora Attivo", "Gentile Applicant,",
     "Lo stato dell'adesione di NewCo Health a Alpha Health Cluster è ora: Attivo."),
    ("da", "Alpha Health Cluster: jeres medlemskab er nu Aktiv", "Kære Applicant",
     "Medlemskabet for NewCo Health i Alpha Health Cluster er nu: Aktiv."),
    ("es", "Alpha Health Cluster: el estado de tu adhesión es ahora Activo", "Hola, Applicant:",
     "El estado de la adhesión de NewCo Health a Alpha Health Cluster es ahora: Activo."),
])
def test_membership_email_is_in_the_recipient_language(language, subject, greeting, line, org_applicant,
                                                        applicant_user):
    org_applicant.people.update(language=language)
    membership = org_applicant.memberships.get()
    Membership.objects.filter(pk=membership.pk).update(status=Membership.Status.ACTIVE)
    mail.outbox.clear()
    assert send_membership_notice(membership.pk) == 1
    message = mail.outbox[0]
    assert message.subject == subject
    assert message.body.startswith(greeting)
    assert line in message.body


# --- the catalogues ----------------------------------------------------------------------------------------------


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1:line.rindex('"')]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as {"flags", "msgid", "msgid_plural", "msgstr": {index: text}} (index -1: singular)."""
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            key = ("msgid_plural", None)
            entry["msgid_plural"] = _unquote(line)
        elif line.startswith("msgid "):
            key = ("msgid", None)
            entry["msgid"] = _unquote(line)
        elif line.startswith("msgstr"):
            index = int(line[7:line.index("]")]) if line.startswith("msgstr[") else -1
            key = ("msgstr", index)
            entry["msgstr"][index] = _unquote(line)
        elif line.startswith('"'):
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key[0]] += _unquote(line)
    return entries


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]", text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert po.exists() and po.with_suffix(".mo").exists()
    entries = parse_po(po)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert f"Language: {language}\n" in header["msgstr"][-1]
    assert "charset=UTF-8" in header["msgstr"][-1]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][-1]
    assert len(messages) > 600
    for entry in messages:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        if "msgid_plural" in entry:
            assert set(entry["msgstr"]) == {0, 1}, entry["msgid"]
            assert all(entry["msgstr"].values()), entry["msgid"]
            assert placeholders(entry["msgstr"][1]) == placeholders(entry["msgid_plural"]), entry["msgid"]
            assert placeholders(entry["msgstr"][0]) <= placeholders(entry["msgid_plural"]), entry["msgid"]
        else:
            assert entry["msgstr"][-1], f"{language}: untranslated {entry['msgid']!r}"
            assert placeholders(entry["msgstr"][-1]) == placeholders(entry["msgid"]), entry["msgid"]
