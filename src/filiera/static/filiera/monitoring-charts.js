/* The monitoring charts, drawn with ECharts (static/vendor/echarts) from the data the page embeds with Django's
   json_script: every element with data-chart="<id>" becomes the chart described by the JSON in the <script
   type="application/json" id="<id>">. No inline script, so the pages work under a strict Content-Security-Policy.

   A chart's JSON: {"type": "line" | "bar" | "pie", "title": "...", "categories": [...],
                    "series": [{"name": "...", "values": [...], "axis": 0 | 1, "type": "line" | "bar"}],
                    "axes": ["left axis name", "right axis name"], "items": [{"name": "...", "value": n}] (pie)}
   A null value is a gap (not known that year). */
(function () {
  "use strict";

  var language = document.documentElement.lang || undefined;
  var plain = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
  var compact = new Intl.NumberFormat(language, { notation: "compact", maximumFractionDigits: 1 });
  var charts = [];

  function number(value) {
    return value === null || value === undefined ? "–" : plain.format(value);
  }

  function common(spec) {
    // The title is not drawn (the page has its heading) but names the chart for screen readers (aria).
    return {
      aria: { enabled: true },
      title: { text: spec.title || "", show: false },
      tooltip: { valueFormatter: number },
      animationDuration: 400
    };
  }

  function axesOf(spec) {
    var names = spec.axes || [""];
    return names.map(function (name, index) {
      return {
        type: "value", name: name, position: index === 0 ? "left" : "right", minInterval: index === 0 ? 1 : 0,
        splitLine: { show: index === 0 },
        axisLabel: { formatter: function (value) { return compact.format(value); } }
      };
    });
  }

  function withSeries(spec, defaultType) {
    var option = common(spec);
    option.tooltip.trigger = "axis";
    option.legend = { type: "scroll", bottom: 0 };
    option.grid = { left: 56, right: (spec.axes || []).length > 1 ? 72 : 24, top: 40, bottom: 56, containLabel: false };
    option.xAxis = {
      type: "category", data: spec.categories,
      axisLabel: { interval: 0, hideOverlap: true, width: 110, overflow: "truncate" }
    };
    option.yAxis = axesOf(spec);
    option.series = spec.series.map(function (serie) {
      var type = serie.type || defaultType;
      return {
        name: serie.name, type: type, data: serie.values, yAxisIndex: serie.axis || 0,
        connectNulls: false, showSymbol: true, barMaxWidth: 36,
        emphasis: { focus: "series" }
      };
    });
    return option;
  }

  function pie(spec) {
    var option = common(spec);
    option.tooltip.trigger = "item";
    // The names are in the legend (it wraps onto more lines as needed); each slice shows its count.
    option.legend = { bottom: 0, left: "center", itemWidth: 14, itemHeight: 10, textStyle: { fontSize: 11 } };
    option.series = [{
      type: "pie", radius: ["30%", "58%"], center: ["50%", "38%"],
      label: { position: "inside", formatter: function (item) { return number(item.value); }, color: "#fff" },
      data: spec.items
    }];
    return option;
  }

  var BUILDERS = {
    line: function (spec) { return withSeries(spec, "line"); },
    bar: function (spec) { return withSeries(spec, "bar"); },
    pie: pie
  };

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var build = BUILDERS[spec.type];
    if (!build) {
      return;
    }
    if (!container.style.height) {
      container.style.height = (container.getAttribute("data-height") || 300) + "px";
    }
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption(build(spec));
    charts.push(chart);
  }

  function start() {
    if (!window.echarts) {
      return; // the tables carry the same figures
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
