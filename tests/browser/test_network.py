"""The collaboration network in the browser: the staff measure their cluster's network, Cytoscape draws it from the
data embedded in the page, a click on an organisation opens its panel (unnamed when the staff do not see it), the
filters hide ties and organisations, and a network too large to draw whole is drawn as its communities, one of
which is fetched from the API and drawn."""

from playwright.sync_api import expect

from filiera.directory.models import Organisation
from filiera.network import views
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD
from tests.network import conftest as network_fixtures

ties = network_fixtures.ties


def click_node(page, node_id: str) -> None:
    """Click where Cytoscape drew the node (it keeps its instance on the container), the graph in the middle of the
    window; two frames after scrolling there, once Cytoscape has heard of the scroll."""
    graph = page.locator("#network-graph")
    graph.evaluate("""element => new Promise(done => {
        element.scrollIntoView({block: "center", behavior: "instant"});  // Bootstrap scrolls smoothly otherwise
        requestAnimationFrame(() => requestAnimationFrame(done));
    })""")
    x, y = graph.evaluate("""(element, id) => {
        const position = element._cyreg.cy.getElementById(id).renderedPosition();
        return [position.x, position.y];
    }""", node_id)
    box = graph.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def measure_the_network(page):
    sign_in(page, "staff", PASSWORD)
    page.goto("/c/alpha/")
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collaboration network")
    page.get_by_role("button", name="Compute").click()
    expect(page.locator('[data-status="done"]')).to_be_visible()


def test_staff_draw_their_network_open_an_organisation_and_filter(page, staff, org_a, ties):
    Organisation.objects.filter(pk=ties["french"].pk).update(visibility="private")
    measure_the_network(page)
    graph = page.locator("#network-graph")
    expect(graph.locator("canvas").first).to_be_visible()
    expect(page.locator("#network-shown")).to_have_text("Organisations shown: 4; ties: 3")
    screenshot(page, "network-cluster")

    panel = page.locator('#network-panel [data-panel="organisation"]')
    expect(panel).to_be_hidden()
    click_node(page, f"o{org_a.pk}")
    expect(panel).to_be_visible()
    expect(panel.locator('[data-field="name"]')).to_have_text("MedSense Srl")
    expect(panel.locator('[data-field="kind"]')).to_have_text("SME")
    expect(panel.locator('[data-field="country"]')).to_have_text("Italy")
    expect(panel.locator('[data-field="degree"]')).to_have_text("2")
    expect(panel.get_by_role("link", name="Its profile")).to_have_attribute("href", "/org/medsense/")
    # The French lab is private: drawn, not named, no link.
    click_node(page, f"o{ties['french'].pk}")
    expect(panel.locator('[data-field="name"]')).to_have_text("An organisation you cannot see")
    expect(panel.locator('[data-field="country"]')).to_have_text("France")
    expect(panel.get_by_role("link", name="Its profile")).to_be_hidden()

    # Without the shared projects, only the pair of org_a and the hospital is tied (their fair, meeting and
    # agreement); the French lab's ties were projects.
    filters = page.get_by_role("group", name="Filter the graph")
    filters.get_by_label("Shared projects").uncheck()
    expect(graph).to_have_attribute("data-ties", "1")
    expect(page.locator("#network-shown")).to_have_text("Organisations shown: 4; ties: 1")
    filters.get_by_label("Shared projects").check()
    expect(graph).to_have_attribute("data-ties", "3")
    page.get_by_label("Country").select_option("FR")
    expect(page.locator("#network-shown")).to_have_text("Organisations shown: 1; ties: 0")
    page.get_by_label("Country").select_option("")
    page.get_by_label("Community").check()  # colour by community: the legend follows
    expect(page.locator("#network-legend")).to_contain_text("Community 1")
    expect(graph).to_have_attribute("data-nodes", "4")


def test_a_large_network_is_drawn_as_communities_and_one_is_fetched(page, staff, org_a, ties, monkeypatch):
    monkeypatch.setattr(views, "VIEWER_MAX_NODES", 3)
    measure_the_network(page)
    expect(page.locator("#network-aggregated")).to_contain_text("drawn as its communities")
    expect(page.locator("#network-shown")).to_have_text("Communities shown: 1; ties between them: 0")
    expect(page.get_by_label("Country")).to_be_disabled()
    click_node(page, "c0")
    community = page.locator('#network-panel [data-panel="community"]')
    expect(community.locator('[data-field="size"]')).to_have_text("3")
    community.get_by_role("button", name="Draw its organisations").click()
    expect(page.locator("#network-shown")).to_have_text("Organisations shown: 3; ties: 3")
    expect(page.get_by_label("Country")).to_be_enabled()
    click_node(page, f"o{org_a.pk}")
    expect(page.locator('#network-panel [data-field="name"]')).to_have_text("MedSense Srl")
    page.get_by_role("button", name="Back to the communities").click()
    expect(page.locator("#network-shown")).to_have_text("Communities shown: 1; ties between them: 0")
