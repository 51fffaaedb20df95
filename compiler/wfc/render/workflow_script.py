"""The Claude Code Workflow script for a plan: `generated/workflows/NAME.js`.

Claude Code's Workflow runtime runs plain JavaScript deterministically, so unlike the command doc
the script can run the plan itself: `workflow.js.j2` holds the machinery (a list scheduler with the
plan's policy, retries, the saga), and this module writes one `step({...})` record per step. The
scheduler reads each step's priority from the plan; nothing here orders steps. Every user string
reaches the script as a JSON literal (`js_literal`), and every template as an expression built by
`js_template`; what cannot be translated faithfully becomes a warning here and, in the script, a
step that refuses to run (as Python steps do: a Workflow script cannot import Python).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from wfc.analysis.estimates import CLAUDE_CODE_AGENTS
from wfc.analysis.plan import Plan
from wfc.diagnostics import Diagnostic
from wfc.diagnostics.codes import SCRIPT_CANNOT_CARRY
from wfc.emit.header import header_text
from wfc.format.durations import format_duration
from wfc.format.vocabulary import PLAIN_ITEM_PATTERN
from wfc.model import Action, Command, Step, Workflow
from wfc.model.fan_out import fan_out_sizes, is_map_node, loop_data, scheduled_resources
from wfc.render import js_template
from wfc.render.environment import render
from wfc.render.js_runtime import helpers_source
from wfc.render.js_template import Expression, Scope, Untranslatable, js_literal

TEMPLATE = "workflow.js.j2"


def script_file_name(workflow: Workflow) -> str:
    from wfc.emit.naming import workflow_script_file

    return workflow_script_file(workflow.name)


def render_workflow_script(plan: Plan) -> str:
    return _script(plan).text()


def script_warnings(plan: Plan) -> Tuple[Diagnostic, ...]:
    """One warning per template the script cannot carry (the script refuses those steps)."""
    return tuple(_script(plan).warnings())


def _script(plan: Plan) -> "_Script":
    """The last plan's script, built once: compiling asks for its warnings and then its text."""
    if _last[0] is not plan:
        _last[0], _last[1] = plan, _Script(plan)
    return _last[1]  # type: ignore[no-any-return]


_last: List[Any] = [None, None]


@dataclass(frozen=True)
class Problem:
    path: Tuple[Any, ...]  # the YAML path of the template
    role: str  # "the prompt of step 'x'"
    construct: str


class _Script:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.workflow = plan.workflow
        self.helpers: Set[str] = set()
        self.problems: List[Problem] = []
        self.refusals: Dict[str, str] = {}
        self.shell = False
        self.maps = False  # whether some step fans out over a list known only at run time
        self.phases = phase_of_steps(plan)
        self.requests = scheduled_resources(self.workflow)[0]
        self.sizes = fan_out_sizes(self.workflow)
        self.blocks = [self.step(step) for step in self.workflow.steps]

    def text(self) -> str:
        workflow = self.workflow
        limit = min(workflow.max_parallel or CLAUDE_CODE_AGENTS, CLAUDE_CODE_AGENTS)
        note = (f"max_parallel {workflow.max_parallel}" if workflow.max_parallel and workflow.max_parallel <= limit
                else f"Claude Code runs at most {CLAUDE_CODE_AGENTS} agents at once")
        return render(
            TEMPLATE, header=comment_safe(header_text(workflow)), meta=meta_literal(self.plan, self.phases),
            name_comment=comment_safe(workflow.name), name_text=template_safe(workflow.name),
            source_text=template_safe(workflow.source), limit=limit, limit_note=note,
            free=js_literal(scheduled_resources(workflow)[1]), compensate=js_literal(workflow.on_failure.compensate),
            keep_going=js_literal(workflow.on_failure.keep_going), arguments=arguments_literal(workflow),
            shell=self.shell, helpers=helpers_source(sorted(self.helpers)), steps=self.blocks,
            steps_seen=js_literal(steps_seen(workflow)), maps=self.maps, plain_item=js_literal(PLAIN_ITEM_PATTERN))

    def warnings(self) -> List[Diagnostic]:
        found = []
        for problem in self.problems:
            position = self.workflow.position_of(*problem.path)
            found.append(SCRIPT_CANNOT_CARRY.at(
                f"the Workflow script cannot carry {problem.role}: it uses {problem.construct}, which has no "
                "faithful JavaScript translation, so the script refuses to run this step",
                self.workflow.source, position.line, position.column,
                "use lookups (`{{ args.x }}`, `{{ context.x }}`), `{% if %}`, `{% for %}`, comparisons, `and`, `or`, "
                "`not`, `~` and the filters default, join, tojson, upper, lower, trim, length, first, last, string; "
                "or run this workflow with `wfc run`",
                problem.path))
        return found

    # -- one step ---------------------------------------------------------------------------------

    def step(self, step: Step) -> str:
        planned = self.plan.planned(step.id)
        fields: Dict[str, str] = {"id": js_literal(step.id)}
        if planned.dependencies:
            fields["needs"] = js_literal(list(planned.dependencies))
        fields["priority"] = js_literal(int(planned.priority) if planned.priority.is_integer() else planned.priority)
        fields["phase"] = js_literal(self.phases[step.id])
        holds = self.requests.get(step.id)
        if holds:
            fields["holds"] = js_literal(holds)
        if step.retry.attempts > 1:
            fields["attempts"] = str(step.retry.attempts)
        if step.outputs:
            fields["outputs"] = js_literal(list(step.outputs))
        if step.instance is not None and step.outputs:
            fields["collect"] = js_literal([step.instance.of, step.instance.index, self.sizes[step.instance.of]])
        if self.keyed(step):
            fields["keyed"] = "true"
        if step.continue_on_error:
            fields["continueOnError"] = "true"
        if step.trigger != "on_success":
            fields["trigger"] = js_literal(step.trigger)
        if step.instance is not None and step.fan_out is not None and step.fan_out.min_success is not None:
            fields["minSuccess"] = str(step.fan_out.min_success)
        if is_map_node(step):
            fields["map"] = self.map_fields(step)
        blocked = self.when(step, fields)
        run = self.run(step) if blocked is None else None
        if run is None or blocked is not None:
            fields["blocked"] = js_literal(blocked or self.blocked_reason(step))
        else:
            fields.update(run)
        if step.compensate is not None:
            fields.update(self.undo(step, step.compensate))
        return "step({" + _packed(fields) + "});"

    def keyed(self, step: Step) -> bool:
        """The step's result is an object keyed by its outputs (several, or one with a schema)."""
        if step.kind == "shell":
            return len(step.outputs) > 1
        return step.kind == "agent" and (len(step.outputs) > 1 or any(self.schema_of(o) for o in step.outputs))

    def schema_of(self, name: str) -> Dict[str, Any]:
        return dict(self.workflow.context_entry(name).schema)

    def when(self, step: Step, fields: Dict[str, str]) -> Optional[str]:
        if step.when is None:
            return None
        try:
            scope = self.scope(step, step.inputs, attempt=False)
            scope.steps = tuple(dict.fromkeys(self.workflow.step(dep).written_id
                                              for dep in self.plan.planned(step.id).dependencies))
            fields["when"] = "() => " + js_template.condition(step.when, scope)
        except Untranslatable as problem:
            return self.refuse(step, ("steps", step.id, "when"), "the condition", problem)
        return None

    def run(self, step: Step) -> Optional[Dict[str, str]]:
        """`run: (n) => ...`, the shell flag; None when the step's template cannot be translated."""
        scope = self.instance_scope(step, step.inputs)
        try:
            if step.kind == "agent":
                options = self.options(step.id, step.agent, step.model, self.result_schema(step), dynamic=scope)
                prompt = js_template.template(step.prompt or "", scope)
                return {"run": f"{_parameters(scope)} => agent({prompt}, {options})"}
            if step.kind == "shell" and step.run is not None:
                self.shell = True
                how = js_literal(shell_circumstances(step))
                command = self.command(step.run, scope)
                run = f"{_parameters(scope)} => shell({command}, {how}, {self.options(step.id, dynamic=scope)})"
                return {"shell": "true", "run": run}
        except Untranslatable as problem:
            self.refuse(step, ("steps", step.id, "prompt" if step.kind == "agent" else "run"), "the template", problem)
        return None

    def blocked_reason(self, step: Step) -> str:
        if step.kind == "python":
            return (f"step {step.id} calls Python ({step.call}), which a Claude Code workflow cannot run")
        return self.refusals[step.id]

    def refuse(self, step: Step, path: Tuple[Any, ...], what: str, problem: Untranslatable) -> str:
        role = f"{what} of step '{step.id}'"
        self.problems.append(Problem(path, role, problem.construct))
        reason = f"{what} of step {step.id} uses {problem.construct}, which this script cannot render as wfc does"
        self.refusals[step.id] = reason
        return reason

    def undo(self, step: Step, action: Action) -> Dict[str, str]:
        scope = self.instance_scope(step, step.inputs + step.outputs, attempt=False)
        label = f"compensate:{step.id}"
        try:
            which = _instance_parameter(scope)
            if action.kind == "agent":
                options = self.options(label, action.agent or step.agent, step.model, dynamic=scope)
                return {"undo": f"{which} => agent({js_template.template(action.prompt or '', scope)}, {options})"}
            if action.kind == "shell" and action.run is not None:
                self.shell = True
                how = js_literal(shell_circumstances(action))
                command, options = self.command(action.run, scope), self.options(label, dynamic=scope)
                return {"undoShell": "true", "undo": f"{which} => shell({command}, {how}, {options})"}
        except Untranslatable as problem:
            field = "prompt" if action.kind == "agent" else "run"
            reason = self.refuse_compensation(step, ("steps", step.id, "compensate", field), problem)
            return {"undo": f"() => {{ throw new Error({js_literal(reason)}); }}"}
        reason = (f"the compensation of step {step.id} calls Python ({action.call}), which a Claude Code workflow "
                  f"cannot run: run it with `wfc run`")
        return {"undo": f"() => {{ throw new Error({js_literal(reason)}); }}"}

    def refuse_compensation(self, step: Step, path: Tuple[Any, ...], problem: Untranslatable) -> str:
        self.problems.append(Problem(path, f"the compensation of step '{step.id}'", problem.construct))
        return f"the compensation of step {step.id} uses {problem.construct}, which this script cannot render"

    # -- pieces -----------------------------------------------------------------------------------

    def scope(self, step: Step, context: Sequence[str], attempt: bool = True) -> Scope:
        return Scope(context=tuple(context), step={"id": step.id, "title": step.title}, attempt=attempt,
                     helpers=self.helpers, item=dict(loop_data(step)))

    def instance_scope(self, step: Step, context: Sequence[str], attempt: bool = True) -> Scope:
        """A template of a dynamic fan-out: `item`, `index` and `step.id` are its instance's, read
        from `$i` (`{id, item, index}`) when the script has found the list."""
        if not is_map_node(step):
            return self.scope(step, context, attempt)
        return Scope(context=tuple(context), step={"id": Expression("$i.id"), "title": step.title}, attempt=attempt,
                     helpers=self.helpers, item={"item": Expression("$i.item"), "index": Expression("$i.index")})

    def map_fields(self, step: Step) -> str:
        """`map: {list, maxParallel, minSuccess}`: where the list is found and the fan-out's policy."""
        fan_out = step.fan_out
        assert fan_out is not None  # a dynamic fan-out
        self.maps = True
        self.helpers.update(("quote", "num"))  # the message naming what was found instead of a list
        fields = {"list": fan_out.source, "maxParallel": fan_out.max_parallel, "minSuccess": fan_out.min_success}
        return js_literal({key: value for key, value in fields.items() if value is not None})

    def command(self, command: Command, scope: Scope) -> str:
        if isinstance(command, str):
            return js_template.shell_template(command, scope)
        self.helpers.add("quoted")
        return "quoted([" + ", ".join(js_template.template(word, scope) for word in command) + "])"

    def options(self, label: str, agent: Optional[str] = None, model: Optional[str] = None,
                schema: Optional[Dict[str, Any]] = None, dynamic: Optional[Scope] = None) -> str:
        """The agent() options; a dynamic fan-out instance's label ends with its id, known at run time."""
        step_id = label.rpartition(":")[2]
        options: Dict[str, Any] = {"label": label, "phase": self.phases[step_id]}
        if agent:
            options["agentType"] = agent
        if model:
            options["model"] = model
        if schema:
            options["schema"] = schema
        written = {key: js_literal(value) for key, value in options.items()}
        if dynamic is not None and isinstance(dynamic.step["id"], Expression):
            prefix = label[:-len(step_id)]
            written["label"] = (f"{js_literal(prefix)} + " if prefix else "") + str(dynamic.step["id"])
        return "{" + ", ".join(f"{js_literal(key)}: {value}" for key, value in written.items()) + "}"

    def result_schema(self, step: Step) -> Optional[Dict[str, Any]]:
        """For a keyed result: an object with one property per output, its schema or text."""
        if not self.keyed(step):
            return None
        return {"type": "object", "properties": {o: self.schema_of(o) or {"type": "string"} for o in step.outputs},
                "required": list(step.outputs)}


_LONG_FIELDS = ("when", "blocked", "run", "undo")


def _parameters(scope: Scope) -> str:
    """`(n)` for a template that reads `step.attempt`, else `()`; a dynamic fan-out's also takes
    its instance, `$i`."""
    if _instance_parameter(scope) != "()":
        return "(n, $i)"
    return "(n)" if scope.reads_attempt else "()"


def _instance_parameter(scope: Scope) -> str:
    return "($i)" if isinstance(scope.step["id"], Expression) else "()"


def _packed(fields: Dict[str, str]) -> str:
    """Short fields on lines of at most 110 characters, each function on a line of its own."""
    lines: List[str] = []
    ordered = [key for key in fields if key not in _LONG_FIELDS] + [key for key in _LONG_FIELDS if key in fields]
    for key, value in ((key, fields[key]) for key in ordered):
        item = f"{key}: {value}"
        if lines and key not in _LONG_FIELDS and len(lines[-1]) + len(item) + 2 <= 110 and \
                not lines[-1].lstrip().startswith(_LONG_FIELDS):
            lines[-1] += ", " + item
        else:
            lines.append(item)
    return ",\n  ".join(lines)


def shell_circumstances(work: Any) -> str:
    """Where and how the agent runs a command, as words for its prompt (`, in the directory ...`)."""
    parts = []
    if work.cwd:
        parts.append(f"in the directory {json.dumps(work.cwd, ensure_ascii=False)}")
    if work.env:
        parts.append("with " + ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}"
                                         for name, value in sorted(work.env.items())) + " in its environment")
    timeout = getattr(work, "timeout", None)
    if timeout is not None:
        parts.append(f"stopping it after {format_duration(timeout)} (then report exit status 124)")
    return "".join(", " + part for part in parts)


def steps_seen(workflow: Workflow) -> Dict[str, Any]:
    """`S` before anything ran: every step (a fan-out by the id it was written with) not run yet."""
    seen: Dict[str, Any] = {}
    for step in workflow.steps:
        seen.setdefault(step.written_id, {"outcome": "not_run", "outputs": {name: None for name in step.outputs}})
    return seen


def phase_of_steps(plan: Plan) -> Dict[str, str]:
    """Each step's phase: its `group`, or its level when no step has one ("Other steps" when only
    some have one)."""
    workflow = plan.workflow
    if any(step.group for step in workflow.steps):
        return {step.id: step.group or "Other steps" for step in workflow.steps}
    return {step.id: f"Level {plan.planned(step.id).level + 1}" for step in workflow.steps}


def meta_literal(plan: Plan, phases: Dict[str, str]) -> str:
    """`meta` as a pure literal: name, description, how to pass the arguments, the phases in order
    of their first step."""
    workflow = plan.workflow
    counts: Dict[str, int] = {}
    for step in workflow.steps if any(step.group for step in workflow.steps) else _by_level(plan):
        counts[phases[step.id]] = counts.get(phases[step.id], 0) + 1
    meta: Dict[str, Any] = {"name": workflow.name, "description": workflow.description.strip() or workflow.title}
    if workflow.arguments:
        meta["whenToUse"] = "Pass args as an object: " + "; ".join(_argument_words(a) for a in workflow.arguments) + "."
    meta["phases"] = [{"title": title, "detail": f"{count} step{'s' if count != 1 else ''}"}
                      for title, count in counts.items()]
    return js_literal_indented(meta)


def _by_level(plan: Plan) -> List[Step]:
    return [plan.workflow.step(step_id) for level in plan.levels for step_id in level]


def _argument_words(argument: Any) -> str:
    words = [argument.name]
    if argument.description:
        words.append(f"({argument.description})")
    if argument.enum is not None:
        words.append("one of " + ", ".join(json.dumps(choice, ensure_ascii=False) for choice in argument.enum))
    if argument.default is not None:
        words.append(f"default {json.dumps(argument.default, ensure_ascii=False)}")
    elif argument.required:
        words.append("required")
    return " ".join(words)


def arguments_literal(workflow: Workflow) -> str:
    return js_literal([{"name": a.name, "type": a.type, "default": a.default, "required": a.required,
                        "enum": list(a.enum) if a.enum is not None else None} for a in workflow.arguments])


def js_literal_indented(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("</", "<\\/")


def comment_safe(text: str) -> str:
    """Text for a `//` comment: every JavaScript line terminator written as an escape."""
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def template_safe(text: str) -> str:
    """Text inside a JavaScript template literal of the machinery (the source path in a message)."""
    return json.dumps(text, ensure_ascii=False)[1:-1].replace("`", "\\`").replace("${", "\\${")
