"""Projects, funding calls and consortia. So far: the consortium builder (consortium/, a pure engine)."""
