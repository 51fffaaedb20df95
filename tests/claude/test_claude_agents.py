"""How the real Claude Code 2.1.332 finds and names agents for `--agent`, observed offline.

`--agent NAME` for an undefined NAME exits 1 before any request with `--agent 'NAME' not found. Available
agents: ...` on stderr, listing every agent the CLI loaded (sorted without regard to case): one run shows
which of many definitions load, and under which names.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import pytest

from claude_support import ClaudeCli, CliRun, Job, RunCache

BUILT_IN = ["claude", "Explore", "general-purpose", "Plan", "statusline-setup"]
NOT_LOGGED_IN = "Not logged in \u00b7 Please run /login"
AGENT = "---\nname: {name}\ndescription: {description}\n---\nYou are {name}.\n"
STREAM = ("-p", "--output-format", "stream-json", "--verbose")


def write(root: Path, files: Dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def listed(done: CliRun, asked: str = "nope") -> List[str]:
    prefix = f"--agent '{asked}' not found. Available agents: "
    assert done.returncode == 1 and done.stdout == "" and done.stderr.startswith(prefix), done.stderr
    return done.stderr[len(prefix):].rstrip("\n").split(", ")


def start(claude: ClaudeCli, tmp_path: Path, argv: List[str], cwd: str = "project") -> CliRun:
    (tmp_path / cwd).mkdir(parents=True, exist_ok=True)
    return claude.run([*STREAM, *argv], cwd=tmp_path / cwd,
                      home=tmp_path / "home", stdin="hi")


def test_undefined_agent_fails_before_any_request(claude: ClaudeCli, tmp_path: Path) -> None:
    done = start(claude, tmp_path, ["--agent", "codebase-analyzer"])
    assert done.stderr == ("--agent 'codebase-analyzer' not found. Available agents: claude, Explore, "
                           "general-purpose, Plan, statusline-setup\n")
    assert not (done.home / ".claude" / "projects").exists()  # no session was started
    assert listed(start(claude, tmp_path / "case", ["--agent", "explore"]), "explore") == BUILT_IN


def test_built_in_agents_resolve(real_runs: RunCache) -> None:
    """The three REFERENCE names; the listing above shows the other two loaded under the same rule."""
    names = ["general-purpose", "Explore", "Plan"]
    runs = real_runs.run({name: Job((*STREAM, "--agent", name)) for name in names})
    assert {name: (done.returncode, done.stderr, done.result()["result"]) for name, done in runs.items()} == \
        {name: (1, "", NOT_LOGGED_IN) for name in names}


def test_which_agent_files_load_and_under_which_name(claude: ClaudeCli, tmp_path: Path) -> None:
    write(tmp_path / "project" / ".claude" / "agents", {
        "rev.md": AGENT.format(name="rev", description="Reviews"),
        "stem.md": AGENT.format(name="named-in-frontmatter", description="The name is not the file stem"),
        "team/nested.md": AGENT.format(name="nested", description="Sub-folders are read too"),
        "Upper.md": AGENT.format(name="Upper", description="Case is kept"),
        "no-description.md": "---\nname: no-description\n---\nbody\n",
        "no-name.md": "---\ndescription: nameless\n---\nbody\n",
        "no-frontmatter.md": "just a body\n",
        "colon.md": AGENT.format(name="wfc:colon", description="A colon is refused in a project agent"),
        "bad-yaml.md": "---\nname: bad-yaml\ndescription: [unclosed\n---\nstill loads\n",
        "bad-values.md": "---\nname: bad-values\ndescription: d\npermissionMode: sideways\nmaxTurns: many\n---\nx\n",
    })
    write(tmp_path / "home" / ".claude" / "agents", {"mine.md": AGENT.format(name="mine", description="user")})
    write(tmp_path, {".claude/agents/parent.md": AGENT.format(name="parent", description="From a parent dir")})
    assert listed(start(claude, tmp_path, ["--agent", "nope"])) == [
        "bad-values", "bad-yaml", "claude", "Explore", "general-purpose", "mine", "named-in-frontmatter", "nested",
        "parent", "Plan", "rev", "statusline-setup", "Upper"]


def test_a_defined_agent_sets_model_and_tools(claude: ClaudeCli, tmp_path: Path) -> None:
    write(tmp_path / "project" / ".claude" / "agents", {"rev.md": (
        "---\nname: rev\ndescription: Reviews code\ntools: Read, Grep, Bash(git diff *)\nmodel: sonnet\n"
        "permissionMode: plan\nmaxTurns: 3\n---\nYou review.\n")})
    done = start(claude, tmp_path, ["--agent", "rev"])
    init = done.messages()[0]
    # Grep is dropped from an agent's tools when Bash is among them; the agent's permissionMode does not
    # become the session's.
    assert (init["model"], init["tools"], init["permissionMode"]) == ("claude-sonnet-5-5", ["Read", "Bash"], "default")
    assert done.result()["result"] == NOT_LOGGED_IN


AGENTS_JSON = [
    ('{"rev":{"description":"Reviews","prompt":"You review","tools":["Read","Bash(git diff *)"],'
     '"disallowedTools":["Write"],"model":"sonnet","permissionMode":"plan","maxTurns":3,"extra":1}}', None),
    ('{not json', "invalid JSON: JSON Parse error: Expected '}'"),
    ('[{"name":"rev","description":"d","prompt":"p"}]', "Invalid input: expected record, received array"),
    ('{"rev":{}}', "rev.description: Invalid input: expected string, received undefined\n"
                   "rev.prompt: Invalid input: expected string, received undefined"),
    ('{"rev":"x"}', "rev: Invalid input: expected object, received string"),
    ('{"rev":{"description":1,"prompt":"p","maxTurns":2.5}}', "rev.description: Invalid input: expected string, "
     "received number\nrev.maxTurns: Invalid input: expected int, received number"),
    ('{"rev":{"description":"d","prompt":"p","maxTurns":0}}', "rev.maxTurns: Too small: expected number to be >0"),
    ('{"rev":{"description":"d","prompt":"p","tools":"Read, Grep"}}',
     "rev.tools: Invalid input: expected array, received string"),
    ('{"rev":{"description":"d","prompt":"p","tools":[1]}}', "rev.tools.0: Invalid input: expected string, "
     "received number"),
    ('{"rev":{"description":"d","prompt":"p","model":5,"permissionMode":"sideways"}}',
     'rev.model: Invalid input: expected string, received number\nrev.permissionMode: Invalid option: expected '
     'one of "acceptEdits"|"auto"|"bypassPermissions"|"default"|"dontAsk"|"plan"'),
    ('{"-x":{"description":"d","prompt":"p"}}', "-x: agent names must not start with '-'"),
]


@pytest.fixture(scope="module")
def agents_json_runs(real_runs: RunCache) -> Dict[str, CliRun]:
    return real_runs.run({value: Job((*STREAM, "--agents", value, "--agent", "rev")) for value, _ in AGENTS_JSON})


@pytest.mark.parametrize("value, problem", AGENTS_JSON)
def test_agents_json_shape(agents_json_runs: Dict[str, CliRun], value: str, problem: str) -> None:
    done = agents_json_runs[value]
    if problem is None:
        assert (done.stderr, done.messages()[0]["model"], done.messages()[0]["tools"]) == \
            ("", "claude-sonnet-5-5", ["Read", "Bash"])
    else:
        assert (done.returncode, done.stdout, done.stderr) == \
            (1, "", f"Error: Invalid --agents configuration:\n{problem}\n")


def test_agents_json_from_a_file_and_names_it_may_use(claude: ClaudeCli, tmp_path: Path) -> None:
    write(tmp_path / "project", {"agents.json": json.dumps({"a:b": {"description": "d", "prompt": "p"}})})
    assert listed(start(claude, tmp_path, ["--agents", "agents.json", "--agent", "nope"])) == ["a:b", *BUILT_IN]
    missing = start(claude, tmp_path, ["--agents", "null", "--agent", "rev"])
    assert missing.stderr == (f"Error: --agents file not found: {tmp_path / 'project' / 'null'} "
                              "(a value that is not a JSON object is read as a file path)\n")


PLUGIN = {
    "plugins/wfc/.claude-plugin/plugin.json": '{"name": "wfc"}',
    "plugins/wfc/agents/rev.md": AGENT.format(name="rev", description="Reviews"),
    "plugins/wfc/agents/team/lead.md": AGENT.format(name="lead", description="Leads"),
    "plugins/wfc/agents/other.md": AGENT.format(name="checker", description="Named in its frontmatter"),
    "plugins/wfc/commands/hello.md": "---\ndescription: hello\n---\nsay $ARGUMENTS\n",
    "plugins/wfc/commands/sub/deep.md": "---\ndescription: deep\n---\nx\n",
    "plugins/wfc/workflows/flow.js": 'export const meta = {name: "flow", description: "a flow"}\n',
    "plugins/wfc/skills/helper/SKILL.md": "---\nname: helper\ndescription: a skill\n---\nbody\n",
    "plugins/loose/agents/rev.md": AGENT.format(name="rev", description="No manifest: the folder names it"),
    "plugins/broken/.claude-plugin/plugin.json": '{"name": "bad name!"}',
    "plugins/broken/agents/lost.md": AGENT.format(name="lost", description="Never loads"),
}


def test_plugin_layout_and_agent_names(claude: ClaudeCli, tmp_path: Path) -> None:
    """A folder of plugins loads each child that has a manifest (with a valid name); agents are named
    PLUGIN:[SUBDIR:]NAME; a folder with content folders at its top is one plugin, named after the folder
    when it has no manifest; workflows/ and skills/ load as commands."""
    write(tmp_path / "project", PLUGIN)
    assert listed(start(claude, tmp_path, ["--plugin-dir", "plugins", "--agent", "nope"])) == [
        "claude", "Explore", "general-purpose", "Plan", "statusline-setup", "wfc:checker", "wfc:rev", "wfc:team:lead"]
    assert listed(start(claude, tmp_path / "loose", ["--plugin-dir", str(tmp_path / "project" / "plugins" / "loose"),
                                                     "--agent", "nope"])) == ["claude", "Explore", "general-purpose",
                                                                              "loose:rev", "Plan", "statusline-setup"]
    done = start(claude, tmp_path, ["--plugin-dir", "plugins/wfc", "--agent", "wfc:team:lead"])
    init = done.messages()[0]
    assert [plugin["name"] for plugin in init["plugins"]][:1] == ["wfc"]
    assert {"wfc:hello", "wfc:sub:deep", "wfc:flow", "wfc:helper"} <= set(init["slash_commands"])
    assert {"wfc:flow", "wfc:helper"} <= set(init["skills"])


def test_a_plugin_agent_is_also_found_by_its_last_segment(real_runs: RunCache) -> None:
    asked = ["lead", "checker"]  # under a sub-folder; named in the frontmatter
    runs = real_runs.run({name: Job((*STREAM, "--plugin-dir", "plugins/wfc", "--agent", name), files=PLUGIN)
                          for name in asked})
    assert {name: (done.stderr, done.result()["result"]) for name, done in runs.items()} == \
        {name: ("", NOT_LOGGED_IN) for name in asked}


def test_project_workflow_scripts_load_as_commands(claude: ClaudeCli, tmp_path: Path) -> None:
    write(tmp_path / "project" / ".claude", {"workflows/flow.js": (
        'export const meta = {name: "flow", description: "a flow", phases: [{title: "x"}]}\nphase("x")\n')})
    done = claude.run(["-p", "--output-format", "json"], cwd=tmp_path / "project", home=tmp_path / "home",
                      stdin="/flow")
    assert done.user_texts()[1] == ('Run the "flow" workflow.\n\na flow\n\nPhases:\n- x\n\nInvoke: Workflow({ name: '
                                    '"flow" })\n\nIf the user asks you to modify this workflow or write a new script, '
                                    "load the `workflow-authoring` skill first.")
