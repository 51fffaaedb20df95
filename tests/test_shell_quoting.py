"""Values in string `run:` commands are quoted for where they land: the exact bytes of rendered
commands, real shells (bash and dash) reading every injection form back as the literal value, the
Workflow script's `shq` producing the same bytes, and what cannot be quoted refused by name."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

import script_harness as harness
from wfc.format.templating import TemplateFailed, render_command
from wfc.render import js_template
from wfc.render.js_runtime import helpers_source
from wfc.render.js_template import Scope, Untranslatable

MARK = "/tmp/wfc-injection-mark"  # what every payload tries to create; no test creates it otherwise
INJECTIONS = {
    "separator": f"x; touch {MARK}",
    "substitution": f"$(touch {MARK})",
    "backticks": f"`touch {MARK}`",
    "double quotes": f'"; touch {MARK}; "',
    "single quotes": f"'; touch {MARK}; '",
    "line break": f"x\ntouch {MARK}",
    "everything": f"a\\b'c\"d$HOME`x` $(touch {MARK}) \\",
}
# Each template prints the value alone on stdout (a here-document adds its newline)
PLACES = {
    "plain": "printf %s {{ args.v }}",
    "plain, inside a word": "printf %s --v={{ args.v }}.",
    "double quotes": 'printf %s "{{ args.v }}"',
    "single quotes": "printf %s '{{ args.v }}'",
    "here-document": "cat <<EOF\n{{ args.v }}\nEOF",
    "quoted here-document": "cat <<'EOF'\n{{ args.v }}\nEOF",
    "here-document with tabs": "cat <<-EOF\n\t{{ args.v }}\n\tEOF",
    "backticks": 'printf %s "`printf %s {{ args.v }}`"',
    "double quotes in backticks": 'printf %s "`printf %s "{{ args.v }}"`"',
    "single quotes in backticks": "printf %s \"`printf %s '{{ args.v }}'`\"",
    "command substitution": 'printf %s "$(printf %s {{ args.v }})"',
    "double quotes in a substitution": 'printf %s "$(printf %s "{{ args.v }}")"',
    "a loop": "printf %s {% for item in [args.v] %}{{ item }}{% endfor %}",
    "a branch": 'printf %s {% if args.v %}"{{ args.v }}"{% else %}none{% endif %}',
}


def rendered(template: str, value: Any) -> str:
    command = render_command(template, {"args": {"v": value}, "context": {}, "step": {"id": "s"}})
    assert isinstance(command, str)
    return command


def shells() -> List[str]:
    found = [shell for shell in ("bash", "dash") if shutil.which(shell)]
    if not found:
        pytest.skip("neither bash nor dash is installed")
    return found


def expected_output(place: str, value: str) -> str:
    if "here-document" in place:
        return value + "\n"
    return f"--v={value}." if "word" in place else value


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("form", sorted(INJECTIONS))
def test_no_injection_form_runs_code_in_any_place(place: str, form: str, tmp_path: Path) -> None:
    value = INJECTIONS[form]
    command = rendered(PLACES[place], value)
    for shell in shells():
        done = subprocess.run([shell, "-c", command], capture_output=True, text=True, cwd=tmp_path, timeout=30)
        assert not Path(MARK).exists(), (shell, command)
        assert (done.returncode, done.stdout) == (0, expected_output(place, value)), (shell, command, done.stderr)


@pytest.mark.parametrize("template, value, expected", [
    ("echo {{ args.v }}", "main", "echo main"),
    ("echo {{ args.v }}", "src/app.py", "echo src/app.py"),
    ("echo {{ args.v }}", 3, "echo 3"),
    ("echo {{ args.v }}", "", "echo ''"),
    ("echo {{ args.v }}", "a b", "echo 'a b'"),
    ("echo {{ args.v }}", "it's", "echo 'it'\\''s'"),
    ("echo {{ args.v }}", ["a", 1], "echo '['\\''a'\\'', 1]'"),
    ('echo "{{ args.v }}"', 'a"$b`c\\', 'echo "a\\"\\$b\\`c\\\\"'),
    ("echo '{{ args.v }}'", "it's", "echo 'it'\\''s'"),
    ("echo $'{{ args.v }}'", "a b", "echo $'''a b'$''"),
    ("cat <<EOF\n{{ args.v }}\nEOF", "$x `y` \\ \"q\"", "cat <<EOF\n\\$x \\`y\\` \\\\ \"q\"\nEOF"),
    ("cat <<'EOF'\n{{ args.v }}\nEOF", "$x `y`", "cat <<'EOF'\n$x `y`\nEOF"),
    ("echo `echo {{ args.v }}`", "a b", "echo `echo 'a b'`"),
    ("echo `echo {{ args.v }}`", "$x", "echo `echo '\\$x'`"),
    ("echo $(echo {{ args.v }})", "a b", "echo $(echo 'a b')"),
    ("echo hi # {{ args.v }}", "a b", "echo hi # 'a b'"),
    ("echo {{ args.v | unquoted }}", "$HOME", "echo $HOME"),
    ("echo {{ args.v | unquoted | upper }}", "$HOME", "echo '$HOME'"),
])
def test_rendered_commands_exactly(template: str, value: Any, expected: str) -> None:
    assert rendered(template, value) == expected


@pytest.mark.parametrize("template, value, reason", [
    ("cat <<EOF\n{{ args.v }}\nEOF", "x\nEOF\nrm -rf ~", "a value in a here-document holds the line 'EOF', "
                                                         "which would end the document"),
    ("cat <<-EOF\n{{ args.v }}\nEOF", "\t\tEOF", "a value in a here-document holds the line 'EOF', "
                                                "which would end the document"),
    ("echo # {{ args.v }}", "x\nrm -rf ~",
     "a value in a shell comment holds a line break, which would end the comment"),
])
def test_a_value_no_quoting_keeps_literal_fails_the_step(template: str, value: str, reason: str) -> None:
    with pytest.raises(TemplateFailed) as failure:
        rendered(template, value)
    assert str(failure.value) == f"run {template!r} does not render: {reason}"


@pytest.mark.parametrize("template, message", [
    ("echo \\{{ args.v }}", "the run command prints a value right after a backslash, which would change how the shell "
                            "reads the quoted value"),
    ("echo ${{ args.v }}", "the run command prints a value right after `$`, which would change how the shell reads "
                           "the quoted value"),
    ("cat <<{{ args.v }}\nx\n", "the run command prints a value as a here-document's delimiter"),
    ("echo {% if args.v %}'{% endif %}{{ args.v }}'", "the quotes open after this run command's `{% if %}` or "
     "`{% for %}` depend on which branch ran, so wfc cannot tell how to quote the values after it"),
])
def test_syntax_that_leaves_quoting_undecidable_is_refused(template: str, message: str) -> None:
    with pytest.raises(TemplateFailed) as failure:
        rendered(template, "v")
    assert str(failure.value) == f"run {template!r} cannot be quoted: {message}"
    with pytest.raises(Untranslatable) as refused:
        js_template.shell_template(template, Scope(context=(), step={"id": "s", "title": "S"}))
    assert refused.value.construct == f"shell syntax wfc cannot quote values in ({message})"


def in_javascript(cases: List[Dict[str, Any]], tmp_path: Path) -> List[Dict[str, Any]]:
    """Each case's command as the Workflow script builds it (or its error), in one node process."""
    names: set = set()
    functions = []
    for case in cases:
        scope = Scope(context=(), step={"id": "s", "title": "S"})
        functions.append(f"(A, C, n) => {js_template.shell_template(case['template'], scope)}")
        names |= scope.helpers
    program = "\n".join([
        helpers_source(names), f"const cases = {json.dumps(cases)};", f"const renders = [{', '.join(functions)}];",
        "console.log(JSON.stringify(renders.map((render, i) => {",
        "  try { return {text: render({v: cases[i].value}, {}, 1)}; } catch (error) { return {error: error.message}; }",
        "})));"])
    path = tmp_path / "commands.mjs"
    path.write_text(program, encoding="utf-8")
    done = subprocess.run([harness.node(), str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_workflow_script_quotes_every_value_as_wfc_run_does(tmp_path: Path) -> None:
    templates = [*PLACES.values(), "echo $'{{ args.v }}'", "echo hi # {{ args.v }}", "echo {{ args.v | unquoted }}"]
    values: List[Any] = [*INJECTIONS.values(), "", "main", 3, "EOF", "x\nEOF", "\t\tEOF", "ü ✓"]
    cases = [{"template": template, "value": value} for template in templates for value in values]
    got = in_javascript(cases, tmp_path)
    for case, javascript in zip(cases, got):
        try:
            expected = {"text": rendered(case["template"], case["value"])}
        except TemplateFailed as failure:
            expected = {"error": str(failure).split("does not render: ", 1)[1]}
        assert javascript == expected, case
