"""Step executors: one per kind of work (shell, python, agent), behind one Protocol.

An executor runs one attempt of one step and reports what happened as a `StepResult`; it never
raises for a step's own failure, because retries, `continue_on_error` and compensation are the
scheduler's decisions, not the executor's. Subprocesses run in their own process group so that
a timeout or a Ctrl-C kills everything a step started, not just its shell.
"""
from __future__ import annotations

import importlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple, TypeVar, Union

from wfc.model import Action, AgentDefinition, Step
from wfc.format.templating import TemplateFailed, is_template, render, render_command
from wfc.model.fan_out import loop_data
from wfc.runtime.deadline import Interrupted, bounded
from wfc.runtime.lifetime import STEP_VARIABLE, TOKEN_VARIABLE, Guard, carriers, die_with_parent
from wfc.runtime.headless import claude_argv, read_reply
from wfc.runtime.step_logs import Captured, output_tails, result_text

@dataclass(frozen=True)
class StepResult:
    """One attempt's outcome. `value` is the step's output value; `meta` holds extras worth
    journaling (an agent's cost and duration); `captured` what it printed, None when nothing ran."""

    ok: bool
    value: Any = None
    error: str = ""
    timed_out: bool = False
    cancelled: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)
    permanent: bool = False  # retrying cannot succeed (the program does not exist)
    captured: Optional[Captured] = None
    spend: Mapping[str, Any] = field(default_factory=dict)  # an agent attempt's `agent_attempt` record


@dataclass(frozen=True)
class Invocation:
    """What an executor needs to know about the attempt it runs."""

    step: Step
    args: Mapping[str, Any]
    inputs: Mapping[str, Any]
    timeout: Optional[float]
    attempt: int = 1
    max_budget_usd: Optional[float] = None  # an agent attempt's `--max-budget-usd` (see `spend`)


class Executor(Protocol):
    def execute(self, work: Invocation) -> StepResult:
        ...


StartListener = Callable[[str, int], None]


class ProcessRegistry:
    """Live subprocesses, so that Ctrl-C can kill every running step's process group at once,
    and so that none outlives the run (see `lifetime`): each is told to the run's guard and
    carries the run's token. `started(step, pid)` hears of each process (the journal)."""

    def __init__(self, token: str = "", started: Optional[StartListener] = None) -> None:
        self._lock = threading.RLock()  # re-entered when Ctrl-C's handler interrupts add/remove
        self._live: Dict[int, "subprocess.Popen[str]"] = {}
        self.cancelled = threading.Event()
        self.token = token
        self.started = started
        self.guard = Guard(token)
        self.parent = os.getpid()

    def environment(self, step: str) -> Dict[str, str]:
        return {TOKEN_VARIABLE: self.token, STEP_VARIABLE: step} if self.token else {STEP_VARIABLE: step}

    def add(self, process: "subprocess.Popen[str]", step: str = "") -> None:
        self.guard.tell("+", process.pid)
        with self._lock:
            self._live[process.pid] = process
        if self.started is not None:
            self.started(step, process.pid)
        if self.cancelled.is_set():
            kill_group(process)

    def remove(self, process: "subprocess.Popen[str]") -> None:
        with self._lock:
            self._live.pop(process.pid, None)
        self.guard.tell("-", process.pid)

    def close(self, clean: bool = True) -> None:
        """After the run: `clean` False (cancelled) stops whatever of its steps is still running."""
        self.guard.close(clean)

    def cancel_all(self) -> None:
        """Kill every running step's group, then whatever else carries the run's token (what a
        step started in a session of its own would otherwise hold its output pipe open)."""
        self.cancelled.set()
        with self._lock:
            live = list(self._live.values())
        for process in live:
            kill_group(process)
        if self.token:
            for pid in carriers([self.token]):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


def kill_group(process: "subprocess.Popen[str]") -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


PIPE_GRACE = 5.0  # seconds a killed step's output pipes may stay open before wfc stops reading them
CANNOT_START = -10_000  # no real exit status or signal number: the process never started
AGENT_HINT = ("install Claude Code so that `claude` is on PATH, or name another agent runner with "
              "--agent-command or WFC_AGENT_COMMAND")


def run_process(
    argv: Any,
    *,
    shell: bool,
    registry: ProcessRegistry,
    timeout: Optional[float],
    stdin: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
    step: str = "",
) -> Tuple[Optional[int], str, str, bool]:
    """(exit code or None if killed, stdout, stderr, timed out). The child leads a new session, so
    killing its group on timeout also kills whatever it spawned; it dies with wfc (`lifetime`)."""
    full_env = {**os.environ, **(env or {}), **registry.environment(step)}
    try:
        process = subprocess.Popen(
            argv, shell=shell, cwd=cwd, env=full_env, start_new_session=True,
            encoding="utf-8", errors="replace",  # bytes that are not UTF-8 show as U+FFFD, never fail the step
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=die_with_parent(registry.parent),
        )
    except OSError as error:
        program = argv if isinstance(argv, str) else argv[0]
        return CANNOT_START, "", f"cannot start `{program}`: {error.strerror or error}", False
    registry.add(process, step)
    try:
        out, err = process.communicate(stdin, timeout=timeout)
        return process.returncode, out, err, False
    except subprocess.TimeoutExpired:
        kill_group(process)
        out, err = _drain(process)
        return None, out, err, True
    finally:
        registry.remove(process)


def _drain(process: "subprocess.Popen[str]") -> Tuple[str, str]:
    """What a killed step printed; a process that left its group may hold the pipes open, so
    reading stops after PIPE_GRACE seconds."""
    try:
        out, err = process.communicate(timeout=PIPE_GRACE)
        return out or "", err or ""
    except subprocess.TimeoutExpired as held:
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        process.wait()
        return _text(held.stdout), _text(held.stderr)


def _text(data: Any) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")


def _process_result(what: str, code: Optional[int], out: str, err: str, timed_out: bool,
                    timeout: Optional[float], registry: ProcessRegistry) -> Optional[StepResult]:
    """The failure for a finished process, or None when it succeeded."""
    stopped = _stopped(what, code, err, timed_out, timeout, registry)
    if stopped is None and code != 0:
        return StepResult(False, error=f"{what} exited with status {code}{output_tails(out, err)}")
    return stopped


def _stopped(what: str, code: Optional[int], err: str, timed_out: bool, timeout: Optional[float],
             registry: ProcessRegistry) -> Optional[StepResult]:
    """The failure for a process that did not run to its own end: timed out, cancelled, never started."""
    if timed_out:
        return StepResult(False, error=f"{what} timed out after {timeout:g}s; its process group was killed",
                          timed_out=True)
    if registry.cancelled.is_set() and code is not None and code < 0:
        return StepResult(False, error=f"{what} was cancelled", cancelled=True)
    if code == CANNOT_START:  # a missing program stays missing: retrying cannot help
        hint = AGENT_HINT if what == "agent" else "check the command's name and PATH"
        return StepResult(False, error=f"{err} ({hint})", permanent=True)
    return None


def template_data(work: Invocation) -> Dict[str, Any]:
    step = work.step
    return {"args": dict(work.args), "context": dict(work.inputs),
            "step": {"id": step.id, "title": step.title, "attempt": work.attempt}, **loop_data(step)}


Rendered = TypeVar("Rendered")


def rendering(produce: Callable[[], Rendered], texts: List[str], role: str, work: Invocation,
              registry: ProcessRegistry) -> Union[Rendered, StepResult]:
    """A template rendered within the step's timeout and stoppable by a stop of the run (see
    `deadline`), or the failed attempt that says why not."""
    if not any(is_template(text) for text in texts):
        return produce()  # plain text renders to itself: nothing to bound
    try:
        return bounded(produce, work.timeout, registry.cancelled)
    except TemplateFailed as error:
        return StepResult(False, error=str(error))
    except Interrupted:
        if registry.cancelled.is_set():
            return StepResult(False, error=f"the {role} template was stopped while rendering", cancelled=True)
        return StepResult(False, error=f"rendering the {role} template timed out after {work.timeout:g}s",
                          timed_out=True)


class ShellExecutor:
    """`run`: a string goes to `/bin/sh -c`, a list is exec'd directly. stdout is the output value,
    without its trailing newlines (as `$(...)` would)."""

    def __init__(self, registry: ProcessRegistry) -> None:
        self.registry = registry

    def execute(self, work: Invocation) -> StepResult:
        return self.run_command(work.step.run, work.step.env, work.step.cwd, work)

    def run_command(self, command: Any, env: Mapping[str, str], cwd: Optional[str],
                    work: Invocation) -> StepResult:
        texts = [command] if isinstance(command, str) else list(command)
        rendered = rendering(lambda: render_command(command, template_data(work)), texts, "command", work,
                             self.registry)
        if isinstance(rendered, StepResult):
            return rendered
        shell = isinstance(rendered, str)
        code, out, err, timed_out = run_process(
            rendered if shell else list(rendered), shell=shell, registry=self.registry,
            timeout=work.timeout, env=env, cwd=cwd, step=work.step.id)
        failure = _process_result("command", code, out, err, timed_out, work.timeout, self.registry)
        return replace(failure or StepResult(True, value=out.rstrip("\n")), captured=Captured(out, err))


@lru_cache(maxsize=256)
def resolve_callable(spec: str) -> Callable[..., Any]:
    """`module:attribute`, importable from the project root (the directory wfc runs in) too, as
    `python -m` would find it: after everything else on the path, so a project file never
    shadows an installed module."""
    root = os.getcwd()
    if root not in sys.path and "" not in sys.path:
        sys.path.append(root)
    module_name, _, attribute = spec.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{spec} is not callable")
    function: Callable[..., Any] = target
    return function


class PythonExecutor:
    """`call: pkg.module:function`, called as function(inputs=..., args=...). A Python call cannot
    be killed, so a timeout abandons it on a daemon thread and fails the attempt."""

    def execute(self, work: Invocation) -> StepResult:
        return self.call(work.step.call or "", work)

    def call(self, spec: str, work: Invocation) -> StepResult:
        try:
            function = resolve_callable(spec)
        except (ImportError, AttributeError, TypeError, ValueError) as error:
            return StepResult(False, error=f"cannot import {spec}: {error}")
        if work.timeout is None:
            return _invoke(function, spec, work)
        box: List[StepResult] = []
        worker = threading.Thread(target=lambda: box.append(_invoke(function, spec, work)), daemon=True)
        worker.start()
        worker.join(work.timeout)
        if not box:
            return StepResult(False, error=f"{spec} timed out after {work.timeout:g}s", timed_out=True)
        return box[0]


def _invoke(function: Callable[..., Any], spec: str, work: Invocation) -> StepResult:
    try:
        value = function(inputs=dict(work.inputs), args=dict(work.args))
    except Exception as error:  # the user's code: any exception is the step failing
        return StepResult(False, error=f"{spec} raised {type(error).__name__}: {error}",
                          captured=Captured(stderr=traceback.format_exc()))
    return StepResult(True, value=value, captured=Captured(result=result_text(value)))


class AgentExecutor:
    """`prompt`: rendered in the sandbox, then handed on stdin to Claude Code headless (`claude -p`,
    see `headless`), or to the CLI `--agent-command` names in its place (it gets the same options).
    `definitions` are the workflow's own agents, passed along as `--agents` JSON."""

    def __init__(self, registry: ProcessRegistry, command: Optional[str] = None,
                 definitions: Sequence[AgentDefinition] = ()) -> None:
        self.registry = registry
        self.program = tuple(shlex.split(command)) if command else ("claude",)
        self.definitions = {definition.name: definition for definition in definitions}

    def execute(self, work: Invocation) -> StepResult:
        return self.ask(work.step.prompt or "", work.step, work)

    def ask(self, template: str, step: Step, work: Invocation) -> StepResult:
        prompt = rendering(lambda: render(template, template_data(work), "prompt"), [template], "prompt", work,
                           self.registry)
        if isinstance(prompt, StepResult):
            return prompt
        definition = self.definitions.get(step.agent or "")
        argv = claude_argv(self.program, step, definition, work.max_budget_usd)
        code, out, err, timed_out = run_process(argv, shell=False, registry=self.registry, timeout=work.timeout,
                                                stdin=prompt, step=step.id)
        stopped = _stopped("agent", code, err, timed_out, work.timeout, self.registry)
        if stopped is not None or code is None:
            return replace(stopped or StepResult(False, error="agent was killed"), captured=Captured(out, err))
        reply = read_reply(code, out, err)
        meta = {key: reply.record[key] for key in STEP_META if key in reply.record}
        return StepResult(reply.ok, value=reply.value, error=reply.error, meta=meta, permanent=reply.permanent,
                          captured=Captured(out, err, reply.said), spend=reply.record)


# what an agent attempt adds to its step's ended event (the `agent_attempt` event has all of it)
STEP_META = ("cost_usd", "duration_ms", "num_turns", "tokens_in", "tokens_out")


class Executors:
    """The executor for each step kind, and compensation actions run through the same code."""

    def __init__(self, registry: ProcessRegistry, agent_command: Optional[str] = None,
                 agents: Sequence[AgentDefinition] = ()) -> None:
        self.registry = registry
        self.shell = ShellExecutor(registry)
        self.python = PythonExecutor()
        self.agent = AgentExecutor(registry, agent_command, agents)
        self.by_kind: Dict[str, Executor] = {"shell": self.shell, "python": self.python, "agent": self.agent}

    def execute(self, work: Invocation) -> StepResult:
        return self.by_kind[work.step.kind].execute(work)

    def compensate(self, action: Action, work: Invocation) -> StepResult:
        if action.kind == "shell":
            return self.shell.run_command(action.run, action.env, action.cwd, work)
        if action.kind == "python":
            return self.python.call(action.call or "", work)
        step = work.step
        agent_step = Step(id=step.id, title=step.title, active=step.active, kind="agent",
                          prompt=action.prompt, agent=action.agent or step.agent, model=step.model)
        return self.agent.ask(action.prompt or "", agent_step, work)

