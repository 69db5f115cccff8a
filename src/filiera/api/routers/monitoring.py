"""KPIs, targets, figures entered by staff and a network's clusters side by side."""

from ninja import Router

router = Router(tags=["monitoring"])
