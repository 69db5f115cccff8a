"""Open-innovation challenges: a health provider's problem, the needs that many kinds of actors voice about it, the
themes they are grouped into, and the solutions members bring. `themes` is the pure grouping engine."""
