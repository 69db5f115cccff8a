"""The engine's order written as SQL (directory.queries._rank_sql): every row gets its place among the ranked ids,
and the rows the engine did not rank come after them, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from filiera.directory.queries import _rank_sql


@pytest.mark.parametrize("size", [1, 2, 8, 9, 17, 1000])
def test_each_row_gets_its_place_among_the_ranked_ids(db, size):
    ranked = random.Random(size).sample(range(1, 3000), size)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH RECURSIVE x(id) AS (SELECT 0 UNION ALL SELECT id + 1 FROM x WHERE id < 3000) "
                       f"SELECT x.id, {_rank_sql('x.id', ranked)} FROM x")
        got = dict(cursor.fetchall())
    place = {pk: i for i, pk in enumerate(ranked)}
    assert got == {n: place.get(n, size) for n in range(0, 3001)}
