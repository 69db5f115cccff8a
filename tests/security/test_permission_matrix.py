"""Every page and API route, for every role, against the rules of permission_matrix.py.

The routes are discovered (the URL resolver for the pages, the OpenAPI schema for the API), so a new route without
a rule fails test_every_page_has_a_rule / test_every_api_operation_has_a_rule with the line to add. Each (route,
role, method) is its own test: pages are asked with GET and, when the view takes it, a POST with an empty form;
API writes are sent a minimal body made from the schema so that they reach the route's own access checks.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from filiera.api.api import api as ninja_api
from tests.security import permission_matrix as matrix
from tests.security.permission_matrix import API, LOGIN, OK, ROLES, WEB, Ref

RULES_FILE = "tests/security/permission_matrix.py"
REFUSALS = {401, 403, 404, 500}


# --- discovery ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    name: str
    pattern: str
    view: str
    params: tuple[str, ...]
    methods: tuple[str, ...]


def _accepted_methods(callback) -> tuple[str, ...]:
    """GET and/or POST: what require_http_methods lets through, what a class-based view defines, else GET (and
    POST when the view's code reads a POST)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return tuple(method for method in ("GET", "POST") if hasattr(view_class, method.lower()))
    function = callback
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            allowed = function.__closure__[code.co_freevars.index("request_method_list")].cell_contents
            return tuple(method for method in ("GET", "POST") if method in allowed)
        function = getattr(function, "__wrapped__", None)
    try:
        source = inspect.getsource(inspect.unwrap(callback))
    except (OSError, TypeError):
        return ("GET",)
    return ("GET", "POST") if "POST" in source else ("GET",)


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (
                entry.namespace or namespace)
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), (f"{namespace}:{entry.name}" if namespace and entry.name
                                                else entry.name), entry


def discover_pages() -> tuple[dict[str, Page], list[str]]:
    """The pages by URL name (an unnamed one by its pattern), and the patterns under the admin's prefix."""
    pages: dict[str, Page] = {}
    admin_patterns = []
    for pattern, name, entry in _walk(get_resolver()):
        if pattern.startswith(matrix.ADMIN_PREFIX):
            admin_patterns.append(pattern)
            continue
        if getattr(entry.callback, "__module__", "") == "ninja.operation":
            continue  # an API operation: discovered from the OpenAPI schema below
        key = name or pattern
        callback = entry.callback
        view_class = getattr(callback, "view_class", callback)
        view = f"{view_class.__module__}.{getattr(view_class, '__qualname__', view_class.__class__.__name__)}"
        params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern))
        pages.setdefault(key, Page(key, pattern, view, params, _accepted_methods(callback)))
    return pages, admin_patterns


def discover_operations() -> tuple[dict[str, dict], dict]:
    """The API operations by "METHOD /api/path" (their OpenAPI object), and the schema's components."""
    schema = ninja_api.get_openapi_schema()
    operations = {f"{method.upper()} {path}": operation
                  for path, by_method in schema["paths"].items() for method, operation in by_method.items()}
    return operations, schema.get("components", {}).get("schemas", {})


PAGES, ADMIN_PATTERNS = discover_pages()
OPERATIONS, COMPONENTS = discover_operations()


# --- what to send ------------------------------------------------------------------------------------------------
def _resolve(value, world):
    if isinstance(value, Ref):
        assert value.name in world.values, (
            f"the rule refers to w.{value.name}, which the world (tests/security/conftest.py, build_world) lacks")
        return world.values[value.name]
    return value


def example(schema: dict, depth: int = 0):
    """The smallest value the schema accepts (its required fields only), to get a write past validation."""
    if "$ref" in schema:
        return example(COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]], depth + 1)
    if "default" in schema:
        return schema["default"]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            choices = [choice for choice in schema[combinator] if choice.get("type") != "null"]
            return example(choices[0], depth + 1) if choices else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: example(properties.get(name, {}), depth + 1) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {}), depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    if kind == "string":
        return {"date": "2027-06-30", "date-time": "2027-06-30T10:00:00Z", "email": "matrix@example.org",
                "uri": "https://example.org/"}.get(schema.get("format"), "x" * max(schema.get("minLength", 1), 8))
    return None


def _api_request(client, method: str, url: str, operation: dict, fields: dict):
    """GET as is; a write with the smallest body its schema accepts, with the rule's fields set over it."""
    if method in ("GET", "HEAD"):
        return client.get(url)
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        schema = content["multipart/form-data"]["schema"]
        if "$ref" in schema:
            schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
        data = {}
        for name, value in {**example(schema), **fields}.items():
            binary = schema.get("properties", {}).get(name, {}).get("format") == "binary"
            data[name] = SimpleUploadedFile("matrix.txt", b"matrix", "text/plain") if binary else value
        return client.generic(method, url, **_multipart(data))
    body = example(content["application/json"]["schema"]) if "application/json" in content else {}
    if isinstance(body, dict):
        body.update(fields)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def _multipart(data: dict) -> dict:
    return {"data": encode_multipart(BOUNDARY, data), "content_type": MULTIPART_CONTENT}


def _login_paths() -> set[str]:
    return {resolve_url(settings.LOGIN_URL), reverse("admin:login")}


def check(response, expected, *, is_api: bool) -> str | None:
    """None when the answer is what the rule expects, else what went wrong."""
    status = response.status_code
    location = urlsplit(response.get("Location", "")).path
    to_login = status in (301, 302) and location in _login_paths()
    if expected == OK:
        if status in REFUSALS or to_login:
            return f"allowed, but got {status}{' to sign in' if to_login else ''}"
        return None
    if expected == LOGIN:
        if is_api:
            return None if status == 401 else f"expected 401, got {status}"
        return None if to_login else f"expected a redirect to sign in, got {status} {location}"
    return None if status == expected else f"expected {expected}, got {status}{' to sign in' if to_login else ''}"


# --- the completeness of the rules -------------------------------------------------------------------------------
def _suggested_kwargs(params) -> str:
    """The keyword arguments of a new rule, e.g. `, cluster_slug=w.cluster, pk=w.<pk>`: w.cluster exists in the
    world; the others name a record of the world (conftest.py, build_world) to add if it lacks one."""
    return "".join(f", {param}=w.cluster" if param == "cluster_slug" else f", {param}=w.<{param}>"
                   for param in params)


def test_every_page_has_a_rule():
    missing = [page for name, page in PAGES.items() if name not in WEB]
    if missing:
        pytest.fail("Pages without a rule: add a line to WEB in {} (levels: PUBLIC, SIGNED_IN, ...):\n{}".format(
            RULES_FILE, "\n".join(f'    "{page.name}": page(<LEVEL>{_suggested_kwargs(page.params)}),'
                                  f"  # {page.pattern} -> {page.view}" for page in missing)), pytrace=False)


def test_every_page_rule_names_a_page():
    stale = sorted(set(WEB) - set(PAGES))
    assert not stale, f"Rules in WEB of {RULES_FILE} for pages that no longer exist, remove them: {stale}"


def test_every_api_operation_has_a_rule():
    missing = [key for key in OPERATIONS if key not in API]
    lines = []
    for key in missing:
        operation = OPERATIONS[key]
        params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        lines.append(f'    "{key}": api(<LEVEL>{_suggested_kwargs(params)}),  # {operation.get("operationId")}')
    if missing:
        pytest.fail(f"API operations without a rule: add a line to API in {RULES_FILE} (levels: API_PUBLIC, "
                    "API_SIGNED_IN, ...):\n" + "\n".join(lines), pytrace=False)


def test_every_api_rule_names_an_operation():
    stale = sorted(set(API) - set(OPERATIONS))
    assert not stale, f"Rules in API of {RULES_FILE} for operations that no longer exist, remove them: {stale}"


def test_the_admin_prefix_is_covered():
    assert ADMIN_PATTERNS, f"no pattern under {matrix.ADMIN_PREFIX}: change ADMIN_PREFIX in {RULES_FILE}"


# --- the matrix --------------------------------------------------------------------------------------------------
def _page_cases():
    for name, page in PAGES.items():
        rule = WEB.get(name)
        if rule is None:
            continue
        for method in rule.methods or page.methods:
            for role in ROLES:
                suffix = "" if method == "GET" else f"-{method.lower()}"
                yield pytest.param(name, role, method, id=f"web:{name}-{role}{suffix}")


def _admin_cases():
    urls = ["admin:index"] + [f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
                              for model in admin.site._registry]
    for url_name in urls:
        for role in ROLES:
            yield pytest.param(url_name, role, id=f"web:{url_name}-{role}")


def _api_cases():
    for key in OPERATIONS:
        if key in API:
            for role in ROLES:
                yield pytest.param(key, role, id=f"api:{key}-{role}")


@pytest.mark.parametrize(("name", "role", "method"), list(_page_cases()))
def test_page(world, db, name, role, method):
    rule = WEB[name]
    url = reverse(name, kwargs={key: _resolve(value, world) for key, value in rule.kwargs.items()})
    if rule.query:
        url += "?" + urlencode(rule.query)
    client = world.browser(role)
    if method == "GET":
        access, response = rule.access, client.get(url)
    else:
        access = rule.post or rule.access
        response = client.post(url, {key: _resolve(value, world) for key, value in rule.data.items()})
    problem = check(response, access.outcomes[role], is_api=False)
    assert problem is None, f"{method} {url} as {role} ({access.name}): {problem}"


@pytest.mark.parametrize(("url_name", "role"), list(_admin_cases()))
def test_admin_site(world, db, url_name, role):
    response = world.browser(role).get(reverse(url_name))
    problem = check(response, matrix.ADMIN_SITE.outcomes[role], is_api=False)
    assert problem is None, f"GET {reverse(url_name)} as {role}: {problem}"


@pytest.mark.parametrize(("key", "role"), list(_api_cases()))
def test_api_operation(world, db, key, role):
    rule = API[key]
    method, path = key.split(" ", 1)
    url = path.format(**{k: _resolve(v, world) for k, v in rule.kwargs.items()})
    if rule.query:
        url += "?" + urlencode(rule.query)
    fields = {name: _resolve(value, world) for name, value in rule.fields.items()}
    response = _api_request(world.api_client(role), method, url, OPERATIONS[key], fields)
    problem = check(response, rule.access.outcomes[role], is_api=True)
    assert problem is None, f"{method} {url} as {role} ({rule.access.name}): {problem}: {response.content[:300]!r}"


def test_the_verdicts_tell_a_leak_from_a_refusal():
    """The matrix's own judge: a page that answers where it should refuse, or refuses the wrong way, is caught."""
    from django.http import HttpResponse, HttpResponseRedirect

    to_login = HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?next=/c/alpha/")
    assert check(HttpResponse(status=200), matrix.HIDDEN, is_api=False) == "expected 404, got 200"
    assert check(HttpResponse(status=403), matrix.HIDDEN, is_api=False) == "expected 404, got 403"
    assert check(HttpResponse(status=404), OK, is_api=False) == "allowed, but got 404"
    assert check(HttpResponse(status=500), OK, is_api=True) == "allowed, but got 500"
    assert check(to_login, OK, is_api=False) == "allowed, but got 302 to sign in"
    assert check(to_login, LOGIN, is_api=False) is None
    assert check(HttpResponse(status=200), LOGIN, is_api=False).startswith("expected a redirect to sign in")
    assert check(HttpResponse(status=401), LOGIN, is_api=True) is None
    assert check(HttpResponseRedirect("/events/1/"), OK, is_api=False) is None
