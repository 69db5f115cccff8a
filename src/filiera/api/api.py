"""Filiera's REST API (django-ninja): one router per domain, thin; OpenAPI at /api/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI

from filiera.api.auth import AUTH

api = NinjaAPI(
    title="Filiera API",
    version="1",
    description="Clusters, organisations, memberships, people, opportunities, value chains and concepts. "
    "Authenticate with a personal token: `Authorization: Bearer <token>` (create one on your account page).",
    auth=AUTH,
    urls_namespace="api",
)
