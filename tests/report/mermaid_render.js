// Renders mermaid diagrams with mermaid's own renderer in a real browser and reports what it drew.
// The page that loads this script defines `window.WFC_DIAGRAMS` (name -> diagram text) after
// loading mermaid.min.js; the results go into <pre id="wfc-result"> as JSON, which the test reads
// back with `chromium --dump-dom`: per diagram its SVG's natural width and height (the viewBox,
// which mermaid also writes as the SVG's max-width), the SVG itself, or the error.
(async () => {
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
  const results = {};
  let index = 0;
  for (const [name, text] of Object.entries(window.WFC_DIAGRAMS)) {
    try {
      const { svg } = await mermaid.render(`wfc-diagram-${index++}`, text);
      const holder = document.createElement("div");
      holder.innerHTML = svg;
      document.body.appendChild(holder);
      const box = holder.querySelector("svg").viewBox.baseVal;
      results[name] = { width: box.width, height: box.height, svg };
    } catch (error) {
      results[name] = { error: String(error && error.message ? error.message : error) };
    }
  }
  document.getElementById("wfc-result").textContent = JSON.stringify(results);
})();
