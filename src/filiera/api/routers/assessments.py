"""Excellence self-assessments, improvement actions and evidence."""

from ninja import Router

router = Router(tags=["monitoring"])
