// Parses mermaid diagrams with mermaid's own parser, the one GitHub renders with.
// Usage: node mermaid_check.mjs NODE_DIR FILE.json: NODE_DIR holds node_modules with mermaid and
// jsdom (ES modules ignore NODE_PATH, so they are resolved from there), FILE a JSON list of texts.
// Prints a JSON list with, per diagram, null when it parses or the parser's message.
// mermaid needs a DOM (DOMPurify) even to parse, so jsdom provides one.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(join(resolve(process.argv[2]), "package.json"));
const { JSDOM } = require("jsdom");

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["Element", "HTMLElement", "Node", "DOMParser", "navigator"]) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name];
}
const { default: mermaid } = await import(pathToFileURL(require.resolve("mermaid")).href);
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

const diagrams = JSON.parse(readFileSync(process.argv[3], "utf8"));
const results = [];
for (const text of diagrams) {
  try {
    await mermaid.parse(text);
    results.push(null);
  } catch (error) {
    results.push(String(error && error.message ? error.message : error));
  }
}
process.stdout.write(JSON.stringify(results));
