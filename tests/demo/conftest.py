"""The demo is loaded once for this folder (it takes a few seconds) and removed afterwards, so that other test
folders start from an empty database as usual."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture(scope="package")
def demo_output(django_db_setup, django_db_blocker):
    """Loads the demo with `filiera demo` and returns what the command printed."""
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("demo", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(demo_output, db):
    return demo_output
