"""The annual activity report and the excellence evidence pack."""

from ninja import Router

router = Router(tags=["monitoring"])
