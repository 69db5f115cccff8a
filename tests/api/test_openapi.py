import pytest

ROUTES = [
    "/api/clusters",
    "/api/clusters/{slug}",
    "/api/clusters/{slug}/memberships",
    "/api/clusters/{slug}/memberships/{membership_id}",
    "/api/clusters/{slug}/memberships/{membership_id}/status",
    "/api/organisations",
    "/api/organisations/{organisation_id}",
    "/api/people",
    "/api/people/{person_id}",
    "/api/opportunities",
    "/api/opportunities/{opportunity_id}",
    "/api/value-chains",
    "/api/value-chains/{slug}",
    "/api/concepts",
    "/api/concepts/{slug}",
    "/api/events",
    "/api/events/{event_id}",
    "/api/events/{event_id}/registrations",
    "/api/events/{event_id}/registrations/{registration_id}/cancel",
    "/api/events/{event_id}/participants",
    "/api/events/{event_id}/meeting-requests",
    "/api/events/{event_id}/meeting-requests/{request_id}/{decision}",
    "/api/events/{event_id}/agenda",
    "/api/events/{event_id}/meetings",
    "/api/events/{event_id}/schedule",
]


@pytest.mark.django_db
def test_openapi_document_lists_every_route(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Filiera API"
    assert set(ROUTES) <= set(document["paths"])
    assert set(document["paths"]["/api/organisations/{organisation_id}"]) == {"get", "patch"}
    assert set(document["paths"]["/api/people/{person_id}"]) == {"get", "patch", "delete"}
    assert set(document["paths"]["/api/opportunities"]) == {"get", "post"}
    # the token scheme is documented; lists document their pagination parameters
    assert "TokenAuth" in document["components"]["securitySchemes"]
    parameters = {p["name"] for p in document["paths"]["/api/organisations"]["get"]["parameters"]}
    assert {"page", "page_size", "q", "kind", "cluster", "sme"} <= parameters


@pytest.mark.django_db
def test_openapi_never_documents_cluster_private_fields_outside_memberships(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("OrganisationOut", "ClusterOut", "OpportunityOut", "PersonOut"):
        if name != "OpportunityOut":  # an opportunity's status is its own publication status
            assert "status" not in schemas[name]["properties"]
        assert "fee_tier" not in schemas[name]["properties"]
        assert "notes" not in schemas[name]["properties"]
    assert {"status", "fee_tier", "notes"} <= set(schemas["MembershipOut"]["properties"])


@pytest.mark.django_db
def test_docs_page_renders(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"/api/openapi.json" in response.content
