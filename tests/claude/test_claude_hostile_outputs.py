"""Hostile text in every field a user writes produces no substitution and no shell execution in any
Claude Code output, checked with Claude Code's own rules (claude_rules, held to the real CLI).

- The command doc: the frontmatter is the one wfc wrote (no `---` in a value ends it early); for
  `/NAME VALUE` every filled-in value sits exactly where a template asked for an argument and nowhere
  else; no `!` form runs; no `${CLAUDE_*}` form is filled; and each prompt reaches the model exactly as
  `wfc run` renders it (the zero-width spaces wfc adds aside).
- The agent definitions: the frontmatter parses to the definition (no `---` in a value ends it), and
  the body is the system prompt as written: Claude Code fills in and runs nothing in an agent's body
  (the real CLI sends `$ARGUMENTS`, `!` forms and a fenced `!` block there to the model unchanged, the
  last test shows), so wfc leaves it alone.
- Workflow scripts: Claude Code puts `meta.description` and the phase titles into the message that
  starts a script and fills in or runs nothing there (observed: `$ARGUMENTS`, `!` forms and a fenced
  `!` block in both reach the model as written), so the script needs no defusing of its own.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_rules import JS_SPACE, environment_placeholders, expand, split_frontmatter
from claude_support import Job, RunCache
from wfc.compiler import CompileOptions, compile_paths
from wfc.format.templating import render
from wfc.render.command_text import ZWSP

PIECES = ["$ARGUMENTS", "$ARGUMENTS[0]", "$0", "$1", "$a", "$ab", "$a[0]", "\\$a", "\\\\$0", "\\", "!`echo x`", "!`",
          "```!\necho y\n```", "```!", "` !", "${CLAUDE_PROJECT_DIR}", "${CLAUDE_SESSION_ID}", "${user_config.k}",
          "---", "\n---\n", "`", "```", "\n", " ", "é", "😀", "|", "#", "*", "-", "<!--", "-->", "{", "}", "$", "!",
          "a"]
hostile = st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join)
plain = hostile.filter(lambda text: not any(opener in text for opener in ("{{", "{%", "{#")))
one_line = plain.map(lambda text: " ".join(text.split()) or "t")
VALUE = "WFCVALUE"


def workflow(text: Dict[str, str]) -> Dict[str, Any]:
    """Every free-text field holds hostile text; four templates ask for argument `a`."""
    return {
        "version": 1, "title": text["title"], "description": text["description"],
        "arguments": {"a": {"description": text["description"], "default": text["value"]}},
        "context": {"notes": {"description": text["description"]}},
        "agents": {"helper": {"description": text["description"], "prompt": text["literal"]}},
        "docs": {"purpose": text["literal"], "usage": [text["literal"]], "success_criteria": [text["literal"]],
                 "outputs": [text["literal"]]},
        "steps": {
            "first": {"title": text["title"], "description": text["literal"], "agent": "helper",
                      "prompt": text["literal"] + " {{ args.a }} " + text["literal"], "estimate": "1m",
                      "outputs": ["notes"], "compensate": {"prompt": text["literal"] + " {{ args.a }}"}},
            "second": {"title": text["title"], "needs": ["first"], "estimate": "2m",
                       "run": text["literal"] + " {{ args.a }}", "env": {"X": text["value"]}, "cwd": text["value"],
                       "compensate": {"run": [text["literal"], "{{ args.a }}"]}},
            "third": {"title": text["title"], "inputs": ["notes"], "estimate": "1m",
                      "prompt": "{{ context.notes }}" + text["literal"], "when": "args.a != 'zz'"},
        },
    }


def compile_hostile(root: Path, text: Dict[str, str]) -> Dict[str, str]:
    (root / "workflows").mkdir(parents=True, exist_ok=True)
    (root / "workflows" / "w.yaml").write_text(json.dumps(workflow(text), ensure_ascii=False), encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = compile_paths(["workflows"], CompileOptions(out_dir=Path("generated")))
    finally:
        os.chdir(cwd)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    return {path.relative_to(root / "generated").as_posix(): path.read_text(encoding="utf-8")
            for path in (root / "generated").rglob("*") if path.is_file()}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=one_line, description=plain, value=one_line, literal=plain)
def test_hostile_text_in_every_field_is_never_filled_in_or_run(tmp_path_factory: Any, **text: str) -> None:
    outputs = compile_hostile(tmp_path_factory.mktemp("w"), text)
    doc = outputs["commands/w.md"]
    frontmatter, _ = split_frontmatter(doc)
    meta = yaml.safe_load(frontmatter or "")
    assert meta["description"] == text["description"] and meta["arguments"] == ["a"]
    expanded = expand(doc, VALUE)
    assert expanded.shell_commands == () and environment_placeholders(expanded.text) == []
    # the Arguments list, the two prompts and the two commands that ask for it; nowhere else
    assert expanded.text.count(VALUE) == 5
    seen = expanded.text.replace(ZWSP, "")
    for prompt in (text["literal"] + f" {VALUE} " + text["literal"], text["literal"] + f" {VALUE}",
                   "[[notes]]" + text["literal"]):
        assert render(prompt, {}) in seen
    agent = outputs["agents/helper.md"]
    agent_meta, body = split_frontmatter(agent)
    assert yaml.safe_load(agent_meta or "") == {"name": "helper", "description": text["description"]}
    # as written (Claude Code expands no agent body), less the blank lines the frontmatter cut takes
    assert body == (text["literal"].strip("\n") + "\n").lstrip(JS_SPACE)


HOSTILE_BODY = "Body $ARGUMENTS $0 !`echo INLINE` and\n```!\necho FENCED\n```\n${CLAUDE_PROJECT_DIR} end"


def test_the_real_cli_sends_an_agent_body_as_written(real_runs: RunCache, tmp_path: Path) -> None:
    outputs = compile_hostile(tmp_path, {"title": "t", "description": "d", "value": "v", "literal": HOSTILE_BODY})
    files = {".claude/agents/helper.md": outputs["agents/helper.md"]}
    done = real_runs.run({"agent": Job(("-p", "--output-format", "json", "--agent", "helper", "x"),
                                       files=files, api=({"content": [{"type": "text", "text": "ok"}]},))})["agent"]
    system = json.dumps(done.api_requests()[0]["system"], ensure_ascii=False)
    assert json.dumps(HOSTILE_BODY, ensure_ascii=False)[1:-1] in system
