/* The collaboration network, drawn with Cytoscape.js (static/vendor/cytoscape) from the data the page embeds with
   Django's json_script. No inline script, so the page works under a strict Content-Security-Policy.

   The element #network-graph names two <script type="application/json"> elements:
   - data-graph: {"mode": "full", "nodes": [{id, name, slug, kind, helix, country, clusters, member, degree,
     strength, betweenness, community, brokerage}], "ties": [[a, b, weight, {kind: count}]]}
     or, for a network too large to draw whole, {"mode": "communities", "communities": [{id, size, members,
     ties_within}], "ties": [[community, community, weight, {kind: count}]], "left_out": n, "source": the API URL
     of the analysis's communities}: "Draw its organisations" fetches `source` + the community's number, which
     answers with its nodes and ties like a full graph.
   - data-labels: the words of the page's language (kinds, helices, countries, clusters, kinds of tie, brokerage
     dimensions, the profile URL with __slug__, the text for an organisation whose name the viewer may not read).
   An organisation without a name is one the viewer does not see in the directory: it is drawn, never named.

   The filters (kind of tie, country, kind of organisation, helix, cluster) hide elements; nothing is fetched. */
(function () {
  "use strict";

  var HELIX_COLOURS = { industry: "#1f6feb", academia: "#2da44e", "public": "#cf222e", civil: "#bf8700" };
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#bcbd22", "#393b79", "#637939", "#843c39"];
  var GREY = "#8c959f";
  var COSE_MAX_NODES = 200; // a force-directed layout above this size takes seconds: the concentric one is linear

  var language = document.documentElement.lang || undefined;
  var decimal = new Intl.NumberFormat(language, { maximumFractionDigits: 3 });
  var whole = new Intl.NumberFormat(language);

  var STYLE = [
    { selector: "node", style: {
      "background-color": "data(colour)", width: "data(size)", height: "data(size)", label: "data(label)",
      "font-size": 9, "min-zoomed-font-size": 8, "text-valign": "bottom", "text-margin-y": 2, color: "#24292f",
      "text-max-width": 120, "text-wrap": "ellipsis" } },
    { selector: "node[?member]", style: { shape: "ellipse", "border-width": 2, "border-color": "#24292f" } },
    { selector: "node[!member]", style: { shape: "diamond", "background-opacity": 0.75 } },
    { selector: "node.community", style: { shape: "ellipse", "border-width": 1, "border-color": "#24292f",
                                           "background-opacity": 0.85 } },
    { selector: "edge", style: { width: "data(width)", "line-color": "#8c959f", opacity: 0.6,
                                 "curve-style": "haystack" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#0b6e4f" } },
    { selector: ".filtered", style: { display: "none" } }
  ];

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) { return values[key]; });
  }

  function communityColour(community) {
    return community < PALETTE.length ? PALETTE[community] : GREY;
  }

  function sizeOf(value, largest, smallest, biggest) {
    return largest > 0 ? smallest + (biggest - smallest) * Math.sqrt(value / largest) : smallest;
  }

  function Viewer(container) {
    this.container = container;
    this.data = JSON.parse(document.getElementById(container.getAttribute("data-graph")).textContent);
    this.labels = JSON.parse(document.getElementById(container.getAttribute("data-labels")).textContent);
    this.panel = document.getElementById("network-panel");
    this.filters = document.getElementById("network-filters");
    this.shown = document.getElementById("network-shown");
    this.legend = document.getElementById("network-legend");
    this.colourBy = "helix";
    this.cy = window.cytoscape({ container: container, style: STYLE, minZoom: 0.05, maxZoom: 4 });
    this.listen();
    if (this.data.mode === "communities") {
      this.drawCommunities();
    } else {
      this.drawOrganisations(this.data.nodes, this.data.ties);
    }
  }

  Viewer.prototype.listen = function () {
    var self = this;
    this.cy.on("tap", "node", function (event) {
      var node = event.target;
      if (node.hasClass("community")) {
        self.showCommunity(node.data("summary"));
      } else {
        self.showOrganisation(node.data("organisation"));
      }
    });
    this.cy.on("tap", function (event) {
      if (event.target === self.cy) {
        self.showPanel("empty");
      }
    });
    Array.prototype.forEach.call(this.filters.querySelectorAll("[data-filter]"), function (input) {
      input.addEventListener("change", function () { self.filter(); });
    });
    Array.prototype.forEach.call(this.filters.querySelectorAll("input[name=network-colour]"), function (input) {
      input.addEventListener("change", function () {
        self.colourBy = input.value;
        self.colour();
      });
    });
    this.panel.querySelector("[data-action=open-community]").addEventListener("click", function () {
      self.openCommunity(self.selectedCommunity);
    });
    this.panel.querySelector("[data-action=back]").addEventListener("click", function () {
      self.drawCommunities();
    });
  };

  // --- drawing ------------------------------------------------------------------------------------------------------

  Viewer.prototype.replace = function (elements, layout) {
    var cy = this.cy;
    cy.batch(function () {
      cy.elements().remove();
      cy.add(elements);
    });
    cy.layout(layout).run();
    cy.fit(undefined, 20);
    this.colour();
    this.filter();
  };

  Viewer.prototype.layoutFor = function (count) {
    if (count <= COSE_MAX_NODES) {
      return { name: "cose", animate: false, randomize: true, nodeDimensionsIncludeLabels: false, padding: 20 };
    }
    return { name: "concentric", animate: false, minNodeSpacing: 4, avoidOverlap: false, padding: 20,
             concentric: function (node) { return node.data("weight"); },
             levelWidth: function () { return 1; } };
  };

  Viewer.prototype.edges = function (ties, prefix) {
    var heaviest = ties.reduce(function (most, tie) { return Math.max(most, tie[2]); }, 0);
    return ties.map(function (tie, index) {
      return { group: "edges", data: { id: "t" + index, source: prefix + tie[0], target: prefix + tie[1],
                                       weight: tie[2], kinds: tie[3], width: sizeOf(tie[2], heaviest, 1, 6) } };
    });
  };

  Viewer.prototype.drawOrganisations = function (nodes, ties) {
    var strongest = nodes.reduce(function (most, node) { return Math.max(most, node.strength || 0); }, 0);
    var elements = nodes.map(function (node) {
      return { group: "nodes", data: {
        id: "o" + node.id, organisation: node, member: !!node.member, weight: node.strength || 0,
        label: node.name || "", size: sizeOf(node.strength || 0, strongest, 10, 44),
        colour: GREY } };
    }).concat(this.edges(ties, "o"));
    this.mode = "organisations";
    this.setFiltersEnabled(true);
    this.panel.querySelector("[data-action=back]").hidden = this.data.mode !== "communities";
    this.showPanel("empty");
    this.replace(elements, this.layoutFor(nodes.length));
  };

  Viewer.prototype.drawCommunities = function () {
    var labels = this.labels;
    var groups = this.data.communities;
    var largest = groups.reduce(function (most, group) { return Math.max(most, group.size); }, 0);
    var elements = groups.map(function (group) {
      return { group: "nodes", classes: "community", data: {
        id: "c" + group.id, summary: group, member: false, weight: group.size,
        label: format(labels.community, { number: group.id + 1 }) + " (" + whole.format(group.size) + ")",
        size: sizeOf(group.size, largest, 16, 90), colour: communityColour(group.id) } };
    }).concat(this.edges(this.data.ties, "c"));
    this.mode = "communities";
    this.setFiltersEnabled(false);
    this.panel.querySelector("[data-action=back]").hidden = true;
    this.showPanel("empty");
    this.replace(elements, this.layoutFor(groups.length));
  };

  Viewer.prototype.openCommunity = function (group) {
    var self = this;
    var url = this.data.source + group.id;
    this.shown.textContent = "…";
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status + " " + response.statusText);
        }
        return response.json();
      })
      .then(function (analysis) { self.drawOrganisations(analysis.nodes, analysis.ties); })
      .catch(function (error) { self.shown.textContent = String(error); });
  };

  // --- colours, filters and what is shown -----------------------------------------------------------------------------

  Viewer.prototype.colour = function () {
    var by = this.colourBy;
    this.cy.batch(function () {
      this.cy.nodes().not(".community").forEach(function (node) {
        var organisation = node.data("organisation");
        node.data("colour", by === "community" ? communityColour(organisation.community)
                                                : HELIX_COLOURS[organisation.helix] || GREY);
      });
    }.bind(this));
    this.drawLegend();
  };

  Viewer.prototype.drawLegend = function () {
    var labels = this.labels;
    var items = [];
    if (this.mode === "communities" || this.colourBy === "community") {
      var count = this.mode === "communities" ? this.data.communities.length : PALETTE.length;
      for (var i = 0; i < Math.min(count, PALETTE.length); i++) {
        items.push([PALETTE[i], format(labels.community, { number: i + 1 })]);
      }
    } else {
      Object.keys(HELIX_COLOURS).forEach(function (helix) { items.push([HELIX_COLOURS[helix], labels.helices[helix]]); });
    }
    this.legend.textContent = "";
    items.forEach(function (item) {
      var entry = document.createElement("li");
      entry.className = "list-inline-item";
      var swatch = document.createElement("span");
      swatch.className = "network-swatch";
      swatch.style.background = item[0];
      entry.appendChild(swatch);
      entry.appendChild(document.createTextNode(item[1]));
      this.legend.appendChild(entry);
    }, this);
  };

  Viewer.prototype.setFiltersEnabled = function (enabled) {
    Array.prototype.forEach.call(this.filters.querySelectorAll("select[data-filter]"), function (select) {
      select.disabled = !enabled;
    });
  };

  Viewer.prototype.filter = function () {
    var wanted = {};
    var ties = {};
    Array.prototype.forEach.call(this.filters.querySelectorAll("select[data-filter]"), function (select) {
      wanted[select.getAttribute("data-filter")] = select.value;
    });
    Array.prototype.forEach.call(this.filters.querySelectorAll("input[data-filter=tie]"), function (box) {
      ties[box.value] = box.checked;
    });
    var byOrganisation = this.mode === "organisations";
    var cy = this.cy;
    cy.batch(function () {
      cy.nodes().forEach(function (node) {
        var organisation = node.data("organisation");
        var hidden = byOrganisation && (
          (wanted.country && organisation.country !== wanted.country) ||
          (wanted.kind && organisation.kind !== wanted.kind) ||
          (wanted.helix && organisation.helix !== wanted.helix) ||
          (wanted.cluster && organisation.clusters.indexOf(Number(wanted.cluster)) < 0));
        node.toggleClass("filtered", !!hidden);
      });
      cy.edges().forEach(function (edge) {
        var kinds = edge.data("kinds");
        var tied = Object.keys(kinds).some(function (kind) { return ties[kind] !== false && kinds[kind] > 0; });
        edge.toggleClass("filtered", !tied || edge.source().hasClass("filtered") || edge.target().hasClass("filtered"));
      });
    });
    var nodes = cy.nodes().not(".filtered").length;
    var edges = cy.edges().not(".filtered").length;
    this.container.setAttribute("data-nodes", nodes);
    this.container.setAttribute("data-ties", edges);
    this.shown.textContent = format(byOrganisation ? this.labels.shown : this.labels.communities_shown,
                                    { nodes: whole.format(nodes), ties: whole.format(edges) });
  };

  // --- the side panel -------------------------------------------------------------------------------------------------

  Viewer.prototype.showPanel = function (which) {
    Array.prototype.forEach.call(this.panel.querySelectorAll("[data-panel]"), function (part) {
      part.hidden = part.getAttribute("data-panel") !== which;
    });
  };

  Viewer.prototype.fill = function (which, values) {
    var part = this.panel.querySelector("[data-panel=" + which + "]");
    Object.keys(values).forEach(function (name) {
      var field = part.querySelector("[data-field=" + name + "]");
      if (field) {
        field.textContent = values[name];
      }
    });
    return part;
  };

  Viewer.prototype.showOrganisation = function (organisation) {
    var labels = this.labels;
    var brokerage = Object.keys(organisation.brokerage || {}).filter(function (dimension) {
      return organisation.brokerage[dimension] > 0;
    }).map(function (dimension) {
      return labels.dimensions[dimension] + " " + whole.format(organisation.brokerage[dimension]);
    });
    var part = this.fill("organisation", {
      name: organisation.name || labels.hidden,
      kind: labels.kinds[organisation.kind] || organisation.kind || "–",
      country: labels.countries[organisation.country] || organisation.country || "–",
      clusters: organisation.clusters.map(function (id) { return labels.clusters[id] || "?"; }).join(", ") || "–",
      degree: whole.format(organisation.degree || 0),
      strength: decimal.format(organisation.strength || 0),
      betweenness: decimal.format(organisation.betweenness || 0),
      brokerage: brokerage.join(", ") || "0"
    });
    var profile = part.querySelector("[data-field=profile]");
    profile.hidden = !organisation.slug;
    profile.href = organisation.slug ? labels.profile.replace("__slug__", encodeURIComponent(organisation.slug)) : "#";
    this.showPanel("organisation");
  };

  Viewer.prototype.showCommunity = function (group) {
    this.selectedCommunity = group;
    this.fill("community", {
      title: format(this.labels.community, { number: group.id + 1 }),
      size: whole.format(group.size), members: whole.format(group.members), ties_within: whole.format(group.ties_within)
    });
    this.showPanel("community");
  };

  function start() {
    var container = document.getElementById("network-graph");
    if (container && window.cytoscape) {
      new Viewer(container);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
