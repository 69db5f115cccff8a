"""Fixtures of the matching tests: the shipped vocabulary, and a helper that indexes what a test created."""

from __future__ import annotations

import pytest

from filiera.core.vocabulary import sync_vocabulary
from filiera.matching.services import rebuild_index


@pytest.fixture
def vocabulary(db):
    sync_vocabulary()


@pytest.fixture
def reindex(db, vocabulary):
    """Call after creating rows: the save signals only index on commit, which a test's transaction never does."""
    return rebuild_index
