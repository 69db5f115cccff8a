"""Schemathesis over the API's OpenAPI schema, in process through the WSGI application and inside the test
database: every operation, as a visitor and as a cluster's staff member with a personal token, must never answer
a 5xx, must answer only the status codes it declares, and its responses must match the schemas it declares.

The calls are generated from the schema served at /api/openapi.json; the path parameters (and the ids in request
bodies) are drawn, half of the time, from the records of a small world (tests/fuzz/conftest.py), so that the
generated calls reach the code behind the 404s. Bounded and reproducible: a few examples per operation,
derandomized, no example database, no deadline (the first call of an operation warms caches up)."""

from __future__ import annotations

import traceback

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from filiera.core.services import create_api_token

EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
OPERATIONS = sorted(
    (operation.ok() for operation in SCHEMA.get_all_operations()), key=lambda operation: operation.label)


def _known(world: dict, path: str, name: str) -> list:
    """The world's records a path parameter (or a body field) may name."""
    if name == "slug":
        if path.startswith("/api/networks/"):
            return world["network_slug"]
        if path.startswith("/api/value-chains/"):
            return world["value_chain_slug"]
        if path.startswith("/api/concepts/"):
            return world["concept_slug"]
    return world.get(name, [])


def _with_known_records(data, case, world: dict) -> None:
    """Half of the time, point the call at existing records instead of the generated ids."""
    path = case.operation.path
    for name in list(case.path_parameters or {}):
        known = _known(world, path, name)
        if known and data.draw(st.booleans(), label=f"known {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(known), label=name)
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            known = _known(world, path, name) if name != "slug" else []
            if known and isinstance(value, int) and data.draw(st.booleans(), label=f"known body {name}"):
                case.body[name] = data.draw(st.sampled_from(known), label=f"body {name}")


@pytest.fixture(autouse=True)
def _connection_kept_across_requests():
    """As Django's test client does: the WSGI handler would close the database connection after each request,
    and with it the test's transaction (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def server_errors():
    """The tracebacks of the exceptions the views raised (the WSGI handler turns them into 500s)."""
    raised: list[str] = []

    def record(sender, request=None, **kwargs):
        raised.append(traceback.format_exc())

    got_request_exception.connect(record)
    yield raised
    got_request_exception.disconnect(record)


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["visitor", "staff"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_the_api_keeps_its_schema(operation, caller, world, staff, server_errors):
    headers = {}
    if caller == "staff":
        headers["Authorization"] = f"Bearer {create_api_token(staff, 'fuzz')[1]}"

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def call(data):
        case = data.draw(operation.as_strategy(), label="case")
        _with_known_records(data, case, world)
        if case.headers:
            case.headers.pop("Authorization", None)  # the caller's credentials are the test's, not generated ones
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except AssertionError as failure:
            if server_errors:
                raise AssertionError(f"{failure}\n\nThe view raised:\n{server_errors[-1]}") from None
            raise

    call()
