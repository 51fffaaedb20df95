// The helpers a Workflow script's templates call, each after a `// helper: NAME (CALLS)` line that
// wfc.render.js_runtime reads: a script carries the ones its templates use and what they call.
// Each gives an operation Python's and Jinja's meaning on JSON values, so a prompt renders to the
// text `wfc run` renders. Limits, of values rather than templates: JavaScript has one number type,
// so a float with no fraction (2.0) prints as 2, and object keys that look like integers come first.

// helper: defined ()
function defined(v) {
  if (v === undefined) throw new Error("a template used a value that does not exist");
  return v;
}

// helper: isMap ()
function isMap(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

// helper: truthy (defined, isMap)
function truthy(v) {  // Python's truth: "", 0, None, [] and {} are false
  defined(v);
  return Array.isArray(v) ? v.length > 0 : isMap(v) ? Object.keys(v).length > 0 : Boolean(v);
}

// helper: num ()
function num(v) {  // Python's repr of an int or a float
  if (Number.isInteger(v)) return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
  const [digits, exponent] = v.toExponential().split("e");
  if (Number(exponent) >= -4) return String(v);
  return `${digits}e-${String(-Number(exponent)).padStart(2, "0")}`;
}

// helper: quote ()
function quote(s) {  // Python's repr of a str
  const mark = s.includes("'") && !s.includes('"') ? '"' : "'";
  const named = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", [mark]: "\\" + mark};
  return mark + s.replace(/[\\'"\n\r\t]|(?! )[\p{C}\p{Z}]/gu, (c) => {
    if (named[c]) return named[c];
    if (c === "'" || c === '"') return c;
    const code = c.codePointAt(0).toString(16);
    if (code.length <= 2) return "\\x" + code.padStart(2, "0");
    return code.length <= 4 ? "\\u" + code.padStart(4, "0") : "\\U" + code.padStart(8, "0");
  }) + mark;
}

// helper: repr (quote, isMap, num)
function repr(v) {
  if (typeof v === "string") return quote(v);
  if (Array.isArray(v)) return "[" + v.map(repr).join(", ") + "]";
  if (isMap(v)) return "{" + Object.keys(v).map((k) => quote(k) + ": " + repr(v[k])).join(", ") + "}";
  return v === null ? "None" : v === true ? "True" : v === false ? "False" : num(v);
}

// helper: shq (quote)
function shq(s, [kind, backticks, delimiter, tabs]) {  // wfc.format.shell_quoting.quote: s, literal where it lands
  const plain = (t) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(t) ? t : "'" + t.replaceAll("'", "'\\''") + "'");
  let quoted;
  if (kind === "plain" || kind === "comment") {
    if (kind === "comment" && s.includes("\n")) {
      throw new Error("a value in a shell comment holds a line break, which would end the comment");
    }
    quoted = plain(s);
  } else if (kind === "sq") quoted = s.replaceAll("'", "'\\''");
  else if (kind === "ansi") quoted = "'" + plain(s) + "$'";
  else if (kind === "dq") quoted = s.replace(/[\\"$`]/g, "\\$&");
  else {
    if (s.split("\n").some((line) => (tabs ? line.replace(/^\t+/, "") : line) === delimiter)) {
      throw new Error(`a value in a here-document holds the line ${quote(delimiter)}, which would end the document`);
    }
    quoted = kind === "heredoc" ? s.replace(/[\\$`]/g, "\\$&") : s;
  }
  for (let i = 0; i < backticks; i += 1) quoted = quoted.replace(/[\\$`]/g, "\\$&");
  return quoted;
}

// helper: str (defined, repr)
function str(v) {  // what Jinja prints for a value: Python's str()
  defined(v);
  return typeof v === "string" ? v : repr(v);
}

// helper: codePoints ()
function codePoints(a, b) {  // Python's string order: by code point, not by UTF-16 unit
  const x = Array.from(a, (c) => c.codePointAt(0)), y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// helper: json (defined, isMap, codePoints, num)
function json(v) {  // Jinja's tojson: json.dumps(v, sort_keys=True), ASCII only, <>&' escaped
  defined(v);
  if (Array.isArray(v)) return "[" + v.map(json).join(", ") + "]";
  if (isMap(v)) return "{" + Object.keys(v).sort(codePoints).map((k) => json(k) + ": " + json(v[k])).join(", ") + "}";
  if (typeof v !== "string") return v === null ? "null" : typeof v === "boolean" ? String(v) : num(v);
  const named = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"};
  return '"' + v.replace(/[\\"<>&'\u0000-\u001f\u007f-\uffff]/g,
    (c) => named[c] ?? "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) + '"';
}

// helper: seq (defined, isMap, str)
function seq(v) {  // what Python iterates: a list's items, a string's characters, a dict's keys
  defined(v);
  if (typeof v === "string") return Array.from(v);
  if (Array.isArray(v)) return v;
  if (isMap(v)) return Object.keys(v);
  throw new TypeError(`${str(v)} is not iterable`);
}

// helper: each (seq)
function each(v, body, otherwise) {  // {% for %}, with Jinja's loop variables
  const items = seq(v), length = items.length;
  if (!length && otherwise) return otherwise();
  return items.map((item, i) => body(item, {index: i + 1, index0: i, first: i === 0, last: i === length - 1,
    length, revindex: length - i, revindex0: length - i - 1})).join("");
}

// helper: get (defined, isMap)
function get(v, key) {  // x.key and x[key]: a missing key is undefined, an error once used
  defined(v);
  if (typeof key === "number") {
    const items = typeof v === "string" ? Array.from(v) : Array.isArray(v) ? v : [];
    return Number.isInteger(key) ? items[key < 0 ? items.length + key : key] : undefined;
  }
  return isMap(v) && Object.hasOwn(v, key) ? v[key] : undefined;
}

// helper: eq (defined, isMap)
function eq(a, b) {  // Python's ==: True == 1, lists and dicts by value
  defined(a);
  defined(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => eq(x, b[i]));
  }
  if (isMap(a) || isMap(b)) {
    const keys = isMap(a) && isMap(b) ? Object.keys(a) : null;
    return keys !== null && keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && eq(a[k], b[k]));
  }
  const plain = (x) => (typeof x === "boolean" ? Number(x) : x);
  return plain(a) === plain(b);
}

// helper: has (defined, isMap, str, eq)
function has(container, item) {  // Python's `in`
  defined(item);
  if (typeof defined(container) === "string") {
    if (typeof item !== "string") throw new TypeError("'in <string>' requires a string on the left");
    return container.includes(item);
  }
  if (isMap(container)) {
    if (Array.isArray(item) || isMap(item)) throw new TypeError(`unhashable: ${str(item)}`);
    return typeof item === "string" && Object.hasOwn(container, item);
  }
  if (!Array.isArray(container)) throw new TypeError(`${str(container)} is not a container`);
  return container.some((x) => eq(x, item));
}

// helper: cmp (defined, codePoints, str, eq)
function cmp(a, b) {  // Python's <: numbers with numbers, strings with strings, lists item by item
  const number = (x) => typeof defined(x) === "number" || typeof x === "boolean";
  if (number(a) && number(b)) return Number(a) - Number(b);
  if (typeof a === "string" && typeof b === "string") return codePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (!eq(a[i], b[i])) return cmp(a[i], b[i]);
    return a.length - b.length;
  }
  throw new TypeError(`cannot order ${str(a)} and ${str(b)}`);
}

// helper: and (truthy)
function and(a, b) { return truthy(a) ? b() : a; }

// helper: or (truthy)
function or(a, b) { return truthy(a) ? a : b(); }

// helper: dflt (truthy)
function dflt(v, fallback, boolean) { return v === undefined || (boolean && !truthy(v)) ? fallback : v; }

// helper: join (seq, str)
function join(v, glue = "") { return seq(v).map(str).join(str(glue)); }

// helper: upper (str)
function upper(v) { return str(v).toUpperCase(); }

// helper: lower (str)
function lower(v) { return str(v).toLowerCase(); }

// helper: trim (str)
function trim(v) {  // Python's str.strip(): its whitespace, not JavaScript's
  const space = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  return str(v).replace(new RegExp(`^${space}+|${space}+$`, "g"), "");
}

// helper: len (seq)
function len(v) { return seq(v).length; }

// helper: first (seq)
function first(v) { return seq(v)[0]; }

// helper: last (seq)
function last(v) { return seq(v).at(-1); }

// helper: quoted ()
function quoted(words) {  // a command given as a list, quoted word by word as Python's shlex.join does
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : "'" + w.replace(/'/g, "'\"'\"'") + "'")).join(" ");
}
