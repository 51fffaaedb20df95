"""The generated module: valid, deterministic Python that runs the plan like `wfc run` does."""
from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

from runtime_support import FAKE_CLAUDE, PYTHON, Workspace
from wfc.emit.header import header_text
from wfc.emit.naming import module_file, plan_file
from wfc.render.module import render_module
from wfc.render.plan_json import plan_to_json

NASTY = 'Quote " and \\ backslash, """ triple, \'\'\' single, \u2028 separator, {% raw %}{{ x }}{% endraw %} end'

FLOW = """
    version: 1
    title: TITLE
    description: TITLE
    arguments:
      target: {description: "Path to review", default: "."}
      depth: {description: "How deep", type: integer, default: 2}
      mode: {description: "Mode", enum: [fast, thorough], default: fast}
      strict: {description: "Fail on warnings", type: boolean, default: false}
      label: {description: "A required label", required: true}
    context:
      listing: {description: l}
      review: {description: r}
    steps:
      list:
        title: TITLE
        run: ["sh", "-c", 'echo x >> marks/list; echo "$0:$1:$2:$3"',
              "{{ args.target }}", "{{ args.depth }}", "{{ args.mode }}", "{{ args.strict }}"]
        outputs: [listing]
      review:
        title: TITLE
        prompt: "Review {{ context.listing }} for {{ args.label }}"
        inputs: [listing]
        outputs: [review]
""".replace("TITLE", json.dumps(NASTY))


def write_module(ws: Workspace, name: str = "review-all") -> Path:
    plan = ws.plan(FLOW, name=name)
    path = ws.root / "generated" / module_file(plan.workflow.name)
    path.parent.mkdir(exist_ok=True)
    path.write_text(render_module(plan), encoding="utf-8")
    path.with_name(plan_file(plan.workflow.name)).write_text(plan_to_json(plan), encoding="utf-8")
    return path


def test_module_names_are_snake_case(ws: Workspace) -> None:
    plan = ws.plan(FLOW, name="review-all")
    assert module_file(plan.workflow.name) == "review_all.py"


def test_the_module_is_valid_deterministic_python(ws: Workspace) -> None:
    path = write_module(ws)
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    plan = ws.plan(FLOW, name="review-all")
    assert text.splitlines()[0] == "# " + header_text(plan.workflow)
    assert render_module(plan) == text
    assert ast.get_docstring(tree) == f"{NASTY}\n\n{NASTY}\n\nRun it: python review_all.py --help"
    assert str(ws.root) not in text
    assert len(text.splitlines()) < 40
    assert text.endswith(
        'if __name__ == "__main__":\n    main(Path(__file__).with_name(\'review-all.plan.json\'), sys.argv[1:])\n'
    )


def test_help_lists_typed_arguments_with_descriptions(ws: Workspace) -> None:
    path = write_module(ws)
    shown = subprocess.run([PYTHON, str(path), "--help"], capture_output=True, text=True, cwd=ws.root)
    assert shown.returncode == 0
    lines = " ".join(shown.stdout.split())
    for expected in ("--target STRING Path to review [default: .]",
                     "--depth INTEGER How deep [default: 2]", "--mode [fast|thorough] Mode [default: fast]",
                     "--strict / --no-strict Fail on warnings [default: no-strict]",
                     "--label STRING A required label [required]", "--resume [RUN_ID]", "--max-parallel"):
        assert expected in lines, expected


def test_bad_values_are_usage_errors(ws: Workspace) -> None:
    path = write_module(ws)
    bad = subprocess.run([PYTHON, str(path), "--label", "x", "--depth", "deep", "--progress", "none"],
                         capture_output=True, text=True, cwd=ws.root)
    assert bad.returncode == 2
    assert "Invalid value for '--depth': argument `depth` must be an integer; got 'deep'" in bad.stderr
    missing = subprocess.run([PYTHON, str(path)], capture_output=True, text=True, cwd=ws.root)
    assert missing.returncode == 2
    assert (
        missing.stderr
        == "error: argument `label` is required: pass --label VALUE (or --arg label=VALUE with wfc run)\n"
    )


def test_the_module_and_wfc_run_do_the_same_run(ws: Workspace) -> None:
    path = write_module(ws)
    env_agent = ["--agent-command", FAKE_CLAUDE, "--progress", "none", "--events", "jsonl"]
    module = subprocess.run([PYTHON, str(path), "--target", "src", "--label", "L", "--depth", "3", "--strict",
                             *env_agent], capture_output=True, text=True, cwd=ws.root)
    assert module.returncode == 0, module.stderr
    events = [json.loads(line) for line in module.stdout.splitlines()]
    finished = {e["step"] for e in events if e["event"] == "step_finished"}
    assert finished == {"list", "review"}
    review = next(e for e in events if e["event"] == "step_finished" and e["step"] == "review")
    assert review["outputs"] == {"review": "Review src:3:fast:True for L"}
    cli = subprocess.run(["wfc", "run", "review-all", "--arg", "target=src", "--arg", "label=L", "--arg", "depth=3",
                          "--arg", "strict=true", *env_agent], capture_output=True, text=True, cwd=ws.root)
    assert cli.returncode == 0, cli.stderr
    hits = [json.loads(line)["step"] for line in cli.stdout.splitlines() if '"step_cache_hit"' in line]
    assert hits == ["list", "review"]  # same argument values, same cache keys
    assert (ws.root / "marks" / "list").read_text() == "x\n"
