// Compile each JSON schema given with Ajv (draft 2020-12, formats) in strict mode, as SchemaStore's
// CI does, and print one JSON line per schema: its path and every strict-mode message Ajv logged.
"use strict";
const fs = require("fs");
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats");

for (const file of process.argv.slice(2)) {
  const messages = [];
  const record = (...parts) => messages.push(parts.join(" "));
  const ajv = new Ajv2020({ strict: "log", allErrors: true, logger: { log: () => {}, warn: record, error: record } });
  addFormats(ajv);
  try {
    ajv.compile(JSON.parse(fs.readFileSync(file, "utf8")));
  } catch (error) {
    messages.push(`error: ${error.message}`);
  }
  console.log(JSON.stringify({ file, messages }));
}
