"""Filiera's REST API (django-ninja): one router per domain, thin; OpenAPI at /api/openapi.json, docs at /api/docs.

Routes ask the caller's Viewer (filiera.core.access) what they may see and call the directory's services and
queries for everything else, so the API and the web pages always agree. Errors are JSON `{"detail": …}`:
401 without valid credentials, 403 when the caller may see a record but not change it, 404 when they may not see
it (cluster-private data of another cluster included), 400 with `errors` per field when a service refuses the data,
422 when the request does not match the schema.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from filiera.api.auth import AUTH
from filiera.api.routers import (
    assessments,
    challenges,
    clusters,
    events,
    matching,
    memberships,
    monitoring,
    network,
    opportunities,
    organisations,
    people,
    privacy,
    projects,
    reports,
    surveys,
    vocabulary,
)
from filiera.core.audit import acting_as

# What ninja answers, before any route runs, to a call whose parameters or body do not match the schema.
REQUEST_ERROR = {
    "title": "RequestErrorOut",
    "type": "object",
    "properties": {"detail": {"type": "array", "items": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
        },
        "required": ["type", "loc", "msg"],
    }}},
    "required": ["detail"],
}


class FilieraAPI(NinjaAPI):
    """The schema documents the answers every operation may give whatever its route declares: 401 for credentials
    that are not valid (on a reading route too, where a call without any is a visitor's), and 422 for parameters
    or a body that do not match the schema."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema["components"]["schemas"]["RequestErrorOut"] = REQUEST_ERROR
        unauthorised = {"description": "Unauthorized", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        invalid = {"description": "Unprocessable Content", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/RequestErrorOut"}}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault(401, unauthorised)
                if operation.get("parameters") or operation.get("requestBody"):
                    operation["responses"].setdefault(422, invalid)
        return schema


api = FilieraAPI(
    title="Filiera API",
    version="1",
    description="Clusters, organisations, memberships, people, opportunities, events, funding calls, projects, "
    "value chains and concepts, KPIs and targets, satisfaction surveys, excellence self-assessments, reports, "
    "the collaboration network and open-innovation challenges (needs, themes, priority votes, solutions). "
    "Authenticate with a personal token: `Authorization: Bearer <token>` (create one on your account page); "
    "without credentials you read what a visitor reads (and may voice a need on a challenge). Lists take `page` "
    "and `page_size` (at most 100) and answer `{\"items\": […], \"count\": total}`.",
    auth=AUTH,
    urls_namespace="api",
)

api.add_router("/clusters", clusters.router)
api.add_router("/clusters", memberships.router)
api.add_router("/organisations", organisations.router)
api.add_router("/people", people.router)
api.add_router("/opportunities", opportunities.router)
api.add_router("/events", events.router)
api.add_router("", vocabulary.router)
api.add_router("", matching.router)
api.add_router("", projects.router)
api.add_router("", monitoring.router)
api.add_router("", surveys.router)
api.add_router("", assessments.router)
api.add_router("", reports.router)
api.add_router("", network.router)
api.add_router("", challenges.router)
api.add_router("", privacy.router)


def attributed_to_caller(view_func):
    """Audited changes of an API call are the authenticated caller's (the token's owner, or the session's user),
    and the attribution ends with the call: it must not outlive it in the thread that served it."""

    @wraps(view_func)
    def view_acting_as_caller(request, *args, **kwargs):
        user = request.auth
        with acting_as(user, label="") if user.is_authenticated else acting_as(None, label="anonymous"):
            return view_func(request, *args, **kwargs)

    return view_acting_as_caller


api.add_decorator(attributed_to_caller, mode="operation")


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    # Routes answer 404 first for what the caller may not see, so a PermissionDenied means "seen, not yours".
    return api.create_response(request, {"detail": str(exc) or _("You may not change this.")}, status=403)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": " ".join(exc.messages), "errors": errors}, status=400)
