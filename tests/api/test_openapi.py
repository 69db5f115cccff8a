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


@pytest.mark.django_db
def test_each_choices_field_is_documented_with_its_own_values(client):
    """Django names many choices Status or Stage; each used to become one shared OpenAPI component, the last one
    written winning, so the memberships were documented with the solutions' statuses (found by schemathesis)."""
    from filiera.challenges.models import Challenge, Solution
    from filiera.directory.models import Membership, Opportunity
    from filiera.monitoring.models import Survey

    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert "Status" not in schemas and "Stage" not in schemas
    assert schemas["MembershipOut"]["properties"]["status"]["enum"] == Membership.Status.values
    assert schemas["MembershipStatusIn"]["properties"]["status"]["enum"] == Membership.Status.values
    assert schemas["OpportunityOut"]["properties"]["status"]["enum"] == Opportunity.Status.values
    assert schemas["SolutionOut"]["properties"]["status"]["enum"] == Solution.Status.values
    assert schemas["SurveyOut"]["properties"]["status"]["enum"] == Survey.Status.values
    assert schemas["ChallengeOut"]["properties"]["stage"]["enum"] == Challenge.Stage.values
    stages = schemas["OpportunityPatch"]["properties"]["stage"]["anyOf"]
    assert {"enum": Opportunity.Stage.values, "title": "OpportunityStage", "type": "string"} in stages


@pytest.mark.django_db
def test_every_operation_documents_the_401_and_422_it_may_answer(client, cluster_a):
    """Bad credentials are a 401 on a reading route too, and parameters or a body that do not match are a 422."""
    document = client.get("/api/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in operation["responses"], (method, path)
    assert set(document["components"]["schemas"]["RequestErrorOut"]["properties"]) == {"detail"}
    bad_token = client.get("/api/clusters", headers={"authorization": "Bearer fil_nope"})
    assert bad_token.status_code == 401 and bad_token.json() == {"detail": "Unauthorized"}
    invalid = client.get("/api/organisations?page=x")
    assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"] == ["query", "page"]
