"""The shipped command docs, expanded by Claude Code's own rules: every argument reaches every prompt,
command and compensation with its own value, and nothing in them runs a shell command when they load.

The rules are claude_rules (held to the real CLI by test_claude_rules); the last test expands every
shipped doc in the real binary too and compares the two.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from claude_expand import expand_commands
from claude_rules import expand, split_frontmatter
from claude_support import ClaudeCli
from wfc.analysis import analyze
from wfc.format.templating import render
from wfc.model import Workflow
from wfc.render.command_doc import render_command_doc
from wfc.render.command_text import command_line
from wfc.validate import load_workflow

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(path.stem for path in (ROOT / "workflows").glob("*.yaml"))
# The example; the other workflows get a distinct word per argument.
RAW = {"auto-scale": "prod deploy 30d"}


@lru_cache(maxsize=None)
def shipped(name: str) -> Tuple[Workflow, str]:
    workflow = load_workflow(ROOT / "workflows" / f"{name}.yaml")
    return workflow, (ROOT / "generated" / "commands" / f"{name}.md").read_text(encoding="utf-8")


def values(workflow: Workflow) -> Dict[str, str]:
    words = RAW.get(workflow.name, " ".join(f"{argument.name}-value" for argument in workflow.arguments)).split()
    return {argument.name: word for argument, word in zip(workflow.arguments, words)}


def expected_texts(workflow: Workflow, args: Dict[str, str]) -> List[str]:
    """Each prompt and command as `wfc run` would render it with these arguments, a context lookup
    standing for the `[[NAME]]` marker the model fills in. In a shell command an argument's value
    stands between single quotes (the shipped commands print each outside any quotes)."""
    context = {entry.name: f"[[{entry.name}]]" for entry in workflow.context}
    prose = {"args": args, "context": context}
    shell = {"args": {name: f"'{value}'" for name, value in args.items()}, "context": context}
    texts = []
    for step in workflow.steps:
        # an instance's item is written in; a list found at run time leaves the loop names to the model
        loop = ({"item": step.instance.item, "index": step.instance.index} if step.instance else
                {"item": "{{ item }}", "index": "{{ index }}"} if step.fan_out else {})
        for action in (step, step.compensate):
            if action is None or not (action.prompt or action.run):
                continue
            body, data = (action.prompt, prose) if action.prompt else (command_line(action.run), shell)
            texts.append(render(body, {**data, **loop, "step": {"id": step.id, "title": step.title, "attempt": 1}}))
    return texts


def test_the_generated_docs_are_the_shipped_workflows_compiled() -> None:
    for name in SHIPPED:
        workflow, doc = shipped(name)
        assert doc == render_command_doc(analyze(workflow))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_argument_gets_its_own_value_everywhere(name: str) -> None:
    workflow, doc = shipped(name)
    args = values(workflow)
    raw = " ".join(args.values())
    expanded = expand(doc, raw)
    assert expanded.shell_commands == ()
    assert "\n\nARGUMENTS: " not in expanded.text  # every value went into a placeholder
    for argument in workflow.arguments:
        assert f"\n- {argument.name}: {args[argument.name]}" in expanded.text
        assert re.search(rf"\${argument.name}(?![A-Za-z0-9_\[])", expanded.text) is None
    missing = [text for text in expected_texts(workflow, args) if text not in expanded.text]
    assert missing == []


def test_auto_scale_prod_deploy_30d() -> None:
    """The issue's example: every word lands where it belongs, the compensations included."""
    workflow, doc = shipped("auto-scale")
    text = expand(doc, "prod deploy 30d").text
    assert "\n- environment: prod (default" in text and "\n- target: deploy (default" in text
    assert "\n- lookback: 30d (default" in text
    assert text.count("git checkout -- 'deploy'\n") == sum(
        1 for step in workflow.steps if step.compensate and step.compensate.run)
    assert "30d" in text.split("## Steps", 1)[1] and "$3" not in text


def test_an_empty_argument_takes_no_other_argument_s_value() -> None:
    _, doc = shipped("auto-scale")
    text = expand(doc, "prod").text
    assert "\n- environment: prod (default" in text and "\n- target:  (default" in text


def test_frontmatter_names_the_arguments_in_order() -> None:
    import yaml

    for name in SHIPPED:
        workflow, doc = shipped(name)
        meta = yaml.safe_load(split_frontmatter(doc)[0] or "")
        assert meta.get("arguments", []) == [argument.name for argument in workflow.arguments]


def test_the_real_cli_expands_every_shipped_doc_as_the_rules_say(claude: ClaudeCli, tmp_path: Path) -> None:
    docs = {name: shipped(name)[1] for name in SHIPPED}
    calls = [(name, " ".join(values(shipped(name)[0]).values())) for name in SHIPPED] + [("auto-scale", "")]
    batch = expand_commands(claude, docs, calls, workdir=tmp_path)
    assert batch.all_shell_commands == ()
    for (name, raw), observed in zip(calls, batch.expansions):
        assert (name, observed.error) == (name, None)
        assert observed.text == expand(docs[name], raw).text, name
