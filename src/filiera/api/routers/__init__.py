"""One router per domain; api.py mounts them under /api/."""
