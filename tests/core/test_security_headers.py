"""Security headers on every kind of response: a page, an API answer, a file download, an error."""

import re
from pathlib import Path

import pytest

from tests.conftest import client_for

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def assert_security_headers(response) -> str:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    permissions = response.headers["Permissions-Policy"]
    assert "camera=()" in permissions and "geolocation=()" in permissions and "microphone=()" in permissions
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert re.fullmatch(r"'self' 'nonce-[\w-]{16,}'", directives["script-src"])  # no unsafe-inline, no unsafe-eval
    assert "unsafe" not in directives["style-src"] and directives["style-src"].startswith("'self'")
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    return policy


@pytest.mark.django_db
def test_a_page_has_the_security_headers(cluster_a):
    response = client_for(None).get("/")
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_the_nonce_is_new_on_every_response(cluster_a):
    client = client_for(None)
    first, second = (assert_security_headers(client.get("/clusters/")) for _ in range(2))
    assert first != second


@pytest.mark.django_db
def test_an_api_response_has_the_security_headers(cluster_a):
    response = client_for(None).get("/api/clusters")
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_a_file_download_has_the_security_headers(staff, org_a):
    response = client_for(staff).get("/c/alpha/members/export.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert_security_headers(response)


@pytest.mark.django_db
def test_a_not_found_answer_has_the_security_headers(db):
    response = client_for(None).get("/clusters/no-such-cluster/")
    assert response.status_code == 404
    assert_security_headers(response)


@pytest.mark.django_db
def test_pages_carry_no_inline_script_or_event_handler(staff, member, org_a, cluster_a):
    """What the policy would block: an inline <script> without the nonce, an on…= attribute."""
    for user, path in [(None, "/"), (None, "/accounts/login/"), (member, "/accounts/"), (staff, "/c/alpha/"),
                       (member, f"/org/{org_a.slug}/edit/"), (member, f"/org/{org_a.slug}/opportunities/new/")]:
        response = client_for(user).get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        nonce = re.search(r"'nonce-([\w-]+)'", response.headers["Content-Security-Policy"]).group(1)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag or f'nonce="{nonce}"' in tag, (path, tag)
        assert not INLINE_HANDLER.search(html), path


INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "filiera"


def test_no_template_has_an_inline_script_or_event_handler():
    """Every template, e-mails and PDFs aside (no browser runs their scripts), against what the policy blocks."""
    offenders = []
    for template in TEMPLATES.rglob("templates/**/*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag and "request.csp_nonce" not in tag:
                offenders.append(f"{template}: {tag}")
        if INLINE_HANDLER.search(text):
            offenders.append(f"{template}: inline event handler")
    assert not offenders, "\n".join(offenders)


@pytest.mark.django_db
def test_health_check_answers_without_signing_in(db):
    response = client_for(None).get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert_security_headers(response)
