"""Realistic, deterministic demo data for Filiera (`filiera demo`).

- `data/` holds the facts and vocabularies as JSON: the clusters and networks of the seed articles, the organisations
  the articles name, the multilingual concepts and value chains, and per-language text templates.
- `generator` turns them into a plan (plain dataclasses) with `random.Random(2026)`; it imports nothing from Django.
- `loader` writes a plan to the database and creates one account per role.
"""
