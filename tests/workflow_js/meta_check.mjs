// Parses Workflow scripts with a real JavaScript parser (acorn) and reports, per script, whether
// its first statement is `export const meta = {...}` with a pure literal (no variables, calls,
// spreads or interpolation, as Claude Code requires), the meta it holds, and every use of the
// calls the runtime forbids (Date.now(), Math.random(), argless new Date()).
//
//   node meta_check.mjs SCRIPT.js ...   (prints one JSON object per script, one per line)
import { readFileSync } from "node:fs";
import * as acorn from "acorn";

function literal(node) {  // the value of a pure literal, or throws naming what is not one
  switch (node.type) {
    case "ObjectExpression":
      return Object.fromEntries(node.properties.map((property) => {
        if (property.type !== "Property" || property.computed || property.method || property.shorthand || property.kind !== "init") {
          throw new Error(`not a plain property at ${property.start}`);
        }
        const key = property.key.type === "Identifier" ? property.key.name : literal(property.key);
        return [String(key), literal(property.value)];
      }));
    case "ArrayExpression":
      return node.elements.map((element) => {
        if (element === null || element.type === "SpreadElement") throw new Error(`a hole or spread at ${node.start}`);
        return literal(element);
      });
    case "Literal":
      if (node.regex || typeof node.value === "bigint") throw new Error(`a regex or bigint at ${node.start}`);
      return node.value;
    case "TemplateLiteral":
      if (node.expressions.length) throw new Error(`interpolation at ${node.start}`);
      return node.quasis[0].value.cooked;
    case "UnaryExpression":
      if (node.operator === "-" && node.argument.type === "Literal" && typeof node.argument.value === "number") return -node.argument.value;
      throw new Error(`an operator at ${node.start}`);
    default:
      throw new Error(`${node.type} at ${node.start}`);
  }
}

function forbidden(tree) {
  const found = [];
  const visit = (node) => {
    if (!node || typeof node.type !== "string") return;
    const callee = node.type === "CallExpression" ? node.callee : null;
    if (callee?.type === "MemberExpression" && !callee.computed && callee.object.type === "Identifier") {
      const name = `${callee.object.name}.${callee.property.name}`;
      if (name === "Date.now" || name === "Math.random") found.push(`${name}()`);
    }
    if (node.type === "NewExpression" && node.callee.type === "Identifier" && node.callee.name === "Date" && !node.arguments.length) {
      found.push("new Date()");
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === "object") visit(value);
    }
  };
  visit(tree);
  return found;
}

for (const path of process.argv.slice(2)) {
  const result = { script: path, pure: false, meta: null, reason: null, forbidden: [] };
  try {
    const tree = acorn.parse(readFileSync(path, "utf-8"), { ecmaVersion: "latest", sourceType: "module" });
    result.forbidden = forbidden(tree);
    const first = tree.body[0];
    const declaration = first?.type === "ExportNamedDeclaration" ? first.declaration : null;
    const declarator = declaration?.type === "VariableDeclaration" && declaration.kind === "const" ? declaration.declarations : [];
    if (declarator.length !== 1 || declarator[0].id.name !== "meta" || !declarator[0].init) {
      throw new Error("the first statement is not `export const meta = ...`");
    }
    result.meta = literal(declarator[0].init);
    result.pure = true;
  } catch (error) {
    result.reason = error.message;
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}
