// Runs a Claude Code Workflow script in virtual time, with the globals REFERENCE.md documents.
//
//   node --experimental-vm-modules harness.mjs CONFIG.json   (prints a JSON report on stdout)
//
// CONFIG: {script, durations: {label: seconds}, fail: {label: failing calls, -1 for all},
//          results: {label: value}, cap: 16, args, budget: total output tokens or null,
//          tokens: {label: output tokens}}
//
// Each agent() lasts its label's duration of virtual time, then resolves to `results[label]`, a
// text naming the label, or (with a schema) an object of the schema's shape; a failing call
// resolves to null, as an agent that died does. At most `cap` agents run at once; later calls
// queue in call order, as the runtime's do. Every agent finishing at one instant is resolved in the
// same turn, so a script sees them together. Date.now(), Math.random() and argless new Date()
// throw, as they do in the runtime. The report lists every agent with its start and finish, the
// peak concurrency, the phase() calls, the log, the compensations (labels `compensate:...`), the
// script's error, and `problems`: calls the documented API does not allow (an unknown phase, a
// label without a duration, more than 1000 agents).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import vm from "node:vm";

const config = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const cap = config.cap ?? 16;
const failing = { ...(config.fail ?? {}) };
const report = { meta: null, agents: [], phases: [], log: [], peak: 0, makespan: 0, compensations: [], error: null,
  problems: [] };
let now = 0, running = 0, sequence = 0, spent = 0, module = null;
const declaredPhases = () => (module?.namespace.meta?.phases ?? []).map((p) => p.title);
const queued = [], events = [];

function agent(prompt, options = {}) {
  if (typeof prompt !== "string") report.problems.push(`agent() got a ${typeof prompt} prompt`);
  if (config.budget != null && spent >= config.budget) throw new Error("the workflow's token budget is spent");
  if (report.agents.length >= 1000) {
    report.problems.push("more than 1000 agents");
    throw new Error("a workflow run starts at most 1000 agents");
  }
  const label = options.label ?? "";
  if (options.phase !== undefined && !declaredPhases().includes(options.phase)) report.problems.push(`agent ${label}: unknown phase ${options.phase}`);
  if (!(label in (config.durations ?? {}))) report.problems.push(`agent ${label}: no duration given`);
  const record = { label, call: report.agents.length, phase: options.phase ?? null, agentType: options.agentType ?? null,
    model: options.model ?? null, schema: options.schema ?? null, prompt, start: null, finish: null, failed: false };
  report.agents.push(record);
  if (label.startsWith("compensate:")) report.compensations.push(label.slice("compensate:".length));
  return new Promise((resolve) => {
    const job = { record, resolve };
    if (running < cap) start(job); else queued.push(job);
  });
}

function start(job) {
  running += 1;
  report.peak = Math.max(report.peak, running);
  job.record.start = now;
  job.record.order = sequence;
  events.push({ time: now + (config.durations?.[job.record.label] ?? 0), seq: sequence++, job });
}

function outcome(record) {
  const left = failing[record.label];
  if (left !== undefined && left !== 0) {
    failing[record.label] = left > 0 ? left - 1 : left;
    record.failed = true;
    return null;
  }
  spent += config.tokens?.[record.label] ?? 0;
  if (config.results && record.label in config.results) return config.results[record.label];
  return record.schema ? shaped(record.schema, record.label) : `result of ${record.label}`;
}

function shaped(schema, path) {  // a value of the schema's shape
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case "object": return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, shaped(s, `${path}.${k}`)]));
    case "array": return [shaped(schema.items ?? {}, `${path}[0]`)];
    case "integer": case "number": return 0;
    case "boolean": return false;
    case "null": return null;
    default: return path;
  }
}

function parallel(thunks) {  // a barrier that never rejects: a failed thunk gives null
  return Promise.all(thunks.map((thunk) => Promise.resolve().then(thunk).catch(() => null)));
}

function pipeline(items, ...stages) {  // each item through every stage, with no barrier between stages
  return Promise.all(items.map((item, index) => stages.reduce(
    (previous, stage) => previous.then((value) => stage(value, item, index)), Promise.resolve(item)).catch(() => null)));
}

const globals = {
  agent, parallel, pipeline,
  phase: (title) => {
    if (!declaredPhases().includes(title)) report.problems.push(`phase() of unknown phase ${title}`);
    report.phases.push(title);
  },
  log: (message) => { report.log.push(String(message)); },
  args: config.args,
  budget: { total: config.budget ?? null, spent: () => spent, remaining: () => (config.budget == null ? Infinity : Math.max(0, config.budget - spent)) },
  workflow: () => { throw new Error("workflow(): nested workflows are not part of this harness"); },
  console: { log: (...parts) => report.log.push(parts.join(" ")) },
};

const context = vm.createContext(globals);
vm.runInContext(`(() => {
  const RealDate = Date;
  const refuse = (what) => { throw new Error(what + " is not available in a workflow script: it would break resume"); };
  globalThis.Date = new Proxy(RealDate, {
    apply: () => refuse("Date()"),
    construct: (target, args, newTarget) => (args.length ? Reflect.construct(target, args, newTarget) : refuse("new Date()")),
    get: (target, key) => (key === "now" ? () => refuse("Date.now()") : Reflect.get(target, key)),
  });
  Math.random = () => refuse("Math.random()");
})()`, context);

const drained = () => new Promise((resolve) => setImmediate(resolve));
const script = readFileSync(config.script, "utf-8");
module = new vm.SourceTextModule(script, { context, identifier: config.script });
await module.link(() => { throw new Error("a workflow script cannot import"); });
let settled = false;
module.evaluate().then(() => { settled = true; }, (error) => { settled = true; report.error = String(error?.message ?? error); });
report.meta = module.namespace.meta;
await drained();
while (events.length) {
  now = Math.min(...events.map((event) => event.time));
  const batch = events.filter((event) => event.time === now).sort((a, b) => a.seq - b.seq);
  events.splice(0, events.length, ...events.filter((event) => event.time !== now));
  for (const { job } of batch) {
    running -= 1;
    job.record.finish = now;
  }
  while (queued.length && running < cap) start(queued.shift());
  for (const { job } of batch) job.resolve(outcome(job.record));
  report.makespan = now;
  await drained();
}
await drained();
if (!settled) report.error = report.error ?? "the script never finished: it waits on nothing that can end";
process.stdout.write(JSON.stringify(report) + "\n");
