"""Personal data (GDPR): a person's data export, erasure and consent records."""

from ninja import Router

router = Router(tags=["privacy"])
