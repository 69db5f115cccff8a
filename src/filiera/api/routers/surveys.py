"""Member-satisfaction surveys."""

from ninja import Router

router = Router(tags=["monitoring"])
