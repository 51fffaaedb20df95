// Measures the html report's charts as Chromium lays them out, for tests/report: appended to a
// copy of the report (the report itself has no script), it writes JSON into <pre id="wfc-result">.
// Per workflow section: the arrowhead markers and the edges that use them, the legend's texts,
// which nodes and edges are marked critical, boxes outside the viewBox, the drawn text size in
// px (font size times the SVG's scale), nodes past the SVG's right edge, edges that pass through
// a box that is neither their source nor their target, and texts wider than their box.
(() => {
  const results = {};
  for (const section of document.querySelectorAll("section.workflow")) {
    const svg = section.querySelector(".dag svg");
    const box = svg.viewBox.baseVal;
    const shown = svg.getBoundingClientRect();
    const scale = shown.width / box.width;
    const scroller = svg.parentElement;
    const markers = new Set([...svg.querySelectorAll("marker")].map((m) => m.id));
    const edges = [...svg.querySelectorAll("path.edge[data-edge]")];
    const nodes = [...svg.querySelectorAll("g[data-node]")];
    const rects = new Map(nodes.map((n) => [n.dataset.node, n.querySelector("rect").getBBox()]));
    const sizes = [...svg.querySelectorAll("text")].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
    const through = [];
    for (const edge of edges) {
      const [source, target] = edge.dataset.edge.split(" ");
      const length = edge.getTotalLength();
      for (let at = 0; at <= length; at += 2) {
        const p = edge.getPointAtLength(at);
        for (const [step, r] of rects) {
          if (step !== source && step !== target && p.x > r.x + 1 && p.x < r.x + r.width - 1 &&
              p.y > r.y + 1 && p.y < r.y + r.height - 1) {
            through.push(`${edge.dataset.edge} through ${step}`);
          }
        }
      }
    }
    const gantt = section.querySelector(".gantt svg");
    const ganttScale = gantt.getBoundingClientRect().width / gantt.viewBox.baseVal.width;
    const ganttSizes = [...gantt.querySelectorAll("text")].map((t) => parseFloat(getComputedStyle(t).fontSize) * ganttScale);
    const runCharts = {};
    for (const chart of section.querySelectorAll(".accuracy-chart svg, .cost-chart svg")) {
      const vb = chart.viewBox.baseVal;
      const k = chart.getBoundingClientRect().width / vb.width;
      const px = [...chart.querySelectorAll("text")].map((t) => parseFloat(getComputedStyle(t).fontSize) * k);
      runCharts[chart.parentElement.classList[2]] = {
        rows: chart.querySelectorAll("g[data-accuracy], g[data-cost]").length,
        font_px: [Math.min(...px), Math.max(...px)],
        outside_viewbox: [...chart.querySelectorAll("rect, text")].filter((e) => { const b = e.getBBox();
          return b.x < 0 || b.y < 0 || b.x + b.width > vb.width + 0.5 || b.y + b.height > vb.height + 0.5; }).length,
      };
    }
    results[section.id.slice(3)] = {
      run_charts: runCharts,
      gantt_font_px: [Math.min(...ganttSizes), Math.max(...ganttSizes)],
      markers: [...markers].length,
      edges: edges.length,
      edges_without_arrow: edges.filter((e) => !markers.has((e.getAttribute("marker-end") || "").slice(5, -1))).length,
      legend: [...svg.querySelectorAll(".legend text")].map((t) => t.textContent),
      critical_nodes: nodes.filter((n) => n.classList.contains("crit")).map((n) => n.dataset.node),
      critical_edges: edges.filter((e) => e.classList.contains("crit")).length,
      outside_viewbox: nodes.filter((n) => { const r = rects.get(n.dataset.node);
        return r.x < 0 || r.y < 0 || r.x + r.width > box.width || r.y + r.height > box.height; }).length,
      font_px: [Math.min(...sizes), Math.max(...sizes)],
      past_right_edge: nodes.filter((n) => n.getBoundingClientRect().right > shown.right + 0.5).length,
      scrolls_to_all: scroller.scrollWidth >= Math.floor(shown.width) && shown.width >= box.width * 0.85 - 1,
      through_boxes: [...new Set(through)],
      text_overflow: nodes.filter((n) => [...n.querySelectorAll("text")].some(
        (t) => t.getComputedTextLength() > rects.get(n.dataset.node).width - 10)).map((n) => n.dataset.node),
    };
  }
  document.getElementById("wfc-result").textContent = JSON.stringify(results);
})();
