"""claude_rules against the real Claude Code 2.1.332: each case is checked on both.

The real CLI expands a slash command locally before its first API request and records the result, so one
offline process (claude_expand.expand_commands) shows what every case below becomes; the same cases run
through the pure-Python rules, which later tests use to scan every generated command doc.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Tuple

import pytest

from claude_expand import Batch, expand_commands
from claude_rules import (Expansion, UnmodelledArguments, escape_value, expand, no_output, shell_executions,
                          split_arguments, split_frontmatter, substitute)
from claude_support import ClaudeCli

PROBE = "---\ndescription: shows each word\n---\n" + " ".join(f"{i}=[${i}]" for i in range(7)) + "\nA=[$ARGUMENTS]\n"

# raw arguments -> the words $0, $1, ... take (observed); ordinary input first, then shell-shaped input
WORDS: Dict[str, List[str]] = {
    "prod deploy 30d": ["prod", "deploy", "30d"], "x 'y z'": ["x", "y z"], 'a "b c" d': ["a", "b c", "d"],
    "a\\ b c": ["a b", "c"], "a 'b'c d": ["a", "bc", "d"], "a'b c'd e": ["ab cd", "e"],
    "lead  trail": ["lead", "trail"],
    "a\tb": ["a", "b"], "42 7": ["42", "7"], "--flag=v -n 3": ["--flag=v", "-n", "3"], "k a=b c": ["k", "a=b", "c"],
    "*.py src/**": ["*.py", "src/**"], "a{b,c} d": ["a{b,c}", "d"], "x[1] y": ["x[1]", "y"], "~/x ~": ["~/x", "~"],
    "\u00e9 \u00fc \u65e5\u672c": ["\u00e9", "\u00fc", "\u65e5\u672c"], "a\u00a0b c": ["a\u00a0b", "c"],
    "%s 100% c": ["%s", "100%", "c"], "a,b c": ["a,b", "c"], "a#b c": ["a#b", "c"], "a\\\\b": ["a\\b"],
    "https://x.y/a#frag b": ["https://x.y/a#frag", "b"], 'a "" b': ["a", "", "b"], "a '' b": ["a", "", "b"],
    "don't stop": ["don't stop"], "it's a 'test'": ["its a test'"], "'unclosed a b": ["'unclosed a b"],
    '"unclosed a b': ['"unclosed a b'], '"a\\"b" c': ['a\\"b', "c"], 'a "it\'s" b': ["a", "it's", "b"],
    'a "b $x c" d': ["a", "b $x c", "d"], 'a "x${y}z" b': ["a", "x${y}z", "b"], "a\\": ["a"], "a \\": ["a"],
    "a $HOME b": ["a", "b"], "a $5 b": ["a", "b"], "x $@ y": ["x", "y"], "a $12 b": ["a", "$12", "b"],
    "cost $ 5": ["cost", "5"], "a$ b": ["a$", "b"], "$x": ["$x"], "${v} a": ["${v}", "a"],
    "a ${v}b c": ["a", "${v}b", "c"], "a ${x:-y} b": ["a", "b"], "a $((1+2)) b": ["a", "b"],
    "$'x y' z": ["$'x y'", "z"], "$1 $ARGUMENTS": ["$1"], "a $(ls) b": ["a"], "a `ls` b": ["a"],
    "a; b c": ["a"], "a && b": ["a"], "a | b": ["a"], "https://x.y/z?q=1&r=2 next": ["https://x.y/z?q=1"],
    "a # b c": ["a"], "#x y": ["#x", "y"], "a > out b": ["a"], "a<b": ["a"], "a 2>x b": ["a"],
    "FOO=1 a b": ["a", "b"], "a=1": ["a=1"], "export a b": ["export"], "unset a b": ["unset", "a", "b"],
}
# shell syntax the rules refuse to guess at, with what the real CLI made of it
UNMODELLED: Dict[str, List[str]] = {
    "(a b) c": ["a", "b"], "if a; then b; fi": ["a"], "! a b": ["a", "b"], "{ a b; }": ["a", "b"],
    "then a": ["a"], "if": ["if"],
}
FRONT = "---\ndescription: p\n---\n"
# (doc, raw arguments, the text the real CLI made of it)
DOCS: List[Tuple[str, str, str]] = [
    (FRONT + "A=[$ARGUMENTS] 0=[$0]", "", "A=[] 0=[$0]"),
    (FRONT + "plain text", "x y", "plain text\n\nARGUMENTS: x y"),
    (FRONT + "plain text", "", "plain text"),
    (FRONT + "I0=[$ARGUMENTS[0]] I1=[$ARGUMENTS[1]] I9=[$ARGUMENTS[9]]", "x y", "I0=[x] I1=[y] I9=[$ARGUMENTS[9]]"),
    (FRONT + "esc=[\\$1] esc2=[\\\\$1] ten=[$10] w=[$1x] dot=[$1.] und=[$1_]", "a b c d e f g h i j k l",
     "esc=[$1] esc2=[\\\\b] ten=[k] w=[$1x] dot=[b.] und=[$1_]"),
    ("---\ndescription: p\narguments: [env, target, lookback]\n---\n"
     "E=[$env] T=[$target] L=[$lookback] Z=[$envx] B=[$env[0]] esc=[\\$env] A=[$ARGUMENTS]", "prod deploy",
     "E=[prod] T=[deploy] L=[] Z=[$envx] B=[$env[0]] esc=[$env] A=[prod deploy]"),
    ("---\ndescription: p\narguments: env target\n---\nE=[$env] T=[$target]", "prod deploy", "E=[prod] T=[deploy]"),
    ("---\ndescription: p\narguments: [e, env]\n---\nE=[$env] e=[$e]", "one two", "E=[two] e=[one]"),
    ("---\ndescription: p\narguments: [ARGUMENTS, 0]\n---\nA=[$ARGUMENTS] 0=[$0]", "one two", "A=[one] 0=[one]"),
    (FRONT + "dollar in arg: $0 / $1", "$1 $ARGUMENTS", "dollar in arg: $1 / $1"),
    (FRONT + "v=[$0] all=[$ARGUMENTS]", "!`touch x` a", "v=[\\! `touch x`] all=[\\! `touch x` a]"),
    (FRONT + "v=[$0]", "'```!\ntouch y\n```'", "v=[``` \\!\ntouch y\n```]"),
    ("---\ndescription: p\n---\n\n\nbody after blank lines", "", "body after blank lines"),
    ("---\ndescription: a---b\n---\nrest", "", "b\n---\nrest"),
    ("no frontmatter $0", "w", "no frontmatter w"),
    ("---\ndescription: p\narguments: [environment, target, lookback]\n---\n"
     "environment: $environment\ntarget: $target\nlookback: $lookback\n"
     "`git checkout -- $target` ($0/$1/$2) all: $ARGUMENTS\n", "prod deploy 30d",
     "environment: prod\ntarget: deploy\nlookback: 30d\n"
     "`git checkout -- deploy` (prod/deploy/30d) all: prod deploy 30d\n"),
]
# (doc body, the shell commands loading it runs, the text it becomes)
SHELL: List[Tuple[str, List[str], str]] = [
    ("inline: !`echo one`\n", ["echo one"], "inline: (Bash completed with no output)\n"),
    ("```!\necho fenced\n```\n", ["echo fenced"], "(Bash completed with no output)\n"),
    ("```\n$1 !`echo in-fence`\n```\n", ["echo in-fence"], "```\n$1 (Bash completed with no output)\n```\n"),
    ("x!`echo glued` (!`echo paren`) `!`echo code`` ` !`echo spaced` `\n", ["echo spaced"],
     "x!`echo glued` (!`echo paren`) `!`echo code`` ` (Bash completed with no output) `\n"),
    ("text ```!\necho nested\n``` more\n````\n```!\necho in4\n```\n````\n", ["echo in4", "echo nested"],
     "text (Bash completed with no output) more\n````\n(Bash completed with no output)\n````\n"),
    ("```! echo sameline```\n", ["echo sameline"], "(Bash completed with no output)\n"),
    ("```!\n\n```\n", [], "```!\n\n```\n"),
    ("`code` then !`echo after-code` and `!not`\n", ["echo after-code"],
     "`code` then (Bash completed with no output) and `!not`\n"),
    ("```!\necho one\necho 'two' \"x\"\n```\n", ["echo one\necho 'two' \"x\""], "(Bash completed with no output)\n"),
]


@pytest.fixture(scope="module")
def real(claude: ClaudeCli, tmp_path_factory: pytest.TempPathFactory) -> Tuple[Batch, Batch]:
    """Every case above, expanded by the real CLI: the placeholder cases in one process (no shell command
    may run there at all), the shell cases in another, with each invocation's commands told apart."""
    docs = {"probe": PROBE, **{f"doc{index}": doc for index, (doc, _, _) in enumerate(DOCS)}}
    calls = [("probe", raw) for raw in [*WORDS, *UNMODELLED]] + \
        [(f"doc{index}", raw) for index, (_, raw, _) in enumerate(DOCS)] + [("nope", "z")]
    shells = {f"shell{index}": FRONT + body for index, (body, _, _) in enumerate(SHELL)}
    shells["danger"] = FRONT + "x !`rm -rf /` y\n"  # last: a failed load's commands may land after it
    with ThreadPoolExecutor(max_workers=2) as pool:
        placeholders = pool.submit(expand_commands, claude, docs, calls, workdir=tmp_path_factory.mktemp("words"),
                                   attribute_shell=False)
        shell = pool.submit(expand_commands, claude, shells, [(name, "") for name in shells],
                            workdir=tmp_path_factory.mktemp("shell"))
        return placeholders.result(), shell.result()


def test_no_placeholder_case_runs_a_shell_command(real: Tuple[Batch, Batch]) -> None:
    assert real[0].all_shell_commands == ()


def probe_words(text: Optional[str]) -> List[str]:
    """The words back out of the probe doc's expansion (a word the CLI left unfilled shows as `$N`)."""
    assert text is not None
    words = []
    for index in range(7):
        value = text.split(f"{index}=[", 1)[1].split("] ", 1)[0] if index < 6 else \
            text.split("6=[", 1)[1].split("]\nA=", 1)[0]
        if value == f"${index}":
            break
        words.append(value)
    return words


@pytest.mark.parametrize("raw", list(WORDS))
def test_argument_words(real: Tuple[Batch, Batch], raw: str) -> None:
    observed = probe_words(real[0].expansions[list(WORDS).index(raw)].text)
    assert observed == WORDS[raw] == split_arguments(raw)


@pytest.mark.parametrize("raw", list(UNMODELLED))
def test_shell_syntax_the_rules_do_not_guess_at(real: Tuple[Batch, Batch], raw: str) -> None:
    assert probe_words(real[0].expansions[len(WORDS) + list(UNMODELLED).index(raw)].text) == UNMODELLED[raw]
    with pytest.raises(UnmodelledArguments):
        split_arguments(raw)


@pytest.mark.parametrize("index", range(len(DOCS)))
def test_placeholders(real: Tuple[Batch, Batch], index: int) -> None:
    doc, raw, expected = DOCS[index]
    observed = real[0].expansions[len(WORDS) + len(UNMODELLED) + index]
    assert (observed.text, observed.shell_commands, observed.error) == (expected, (), None)
    assert expand(doc, raw).text == expected


@pytest.mark.parametrize("index", range(len(SHELL)))
def test_shell_executions(real: Tuple[Batch, Batch], index: int) -> None:
    body, commands, expected = SHELL[index]
    observed = real[1].expansions[index]
    assert (observed.text, list(observed.shell_commands), observed.error) == (expected, commands, None)
    assert expand(FRONT + body, "", no_output) == Expansion(expected, tuple(commands))
    assert sorted(execution.command for execution in shell_executions(body)) == commands


def test_unknown_command_reaches_the_model_as_plain_text(real: Tuple[Batch, Batch]) -> None:
    assert real[0].expansions[-1].text is None and real[0].run.user_texts()[-1] == "/nope z"


def test_a_refused_shell_command_fails_the_load(real: Tuple[Batch, Batch]) -> None:
    """Even with Bash approved, some commands are refused; the command then never becomes a message."""
    refused = real[1].expansions[-1]
    assert refused.text is None and refused.shell_commands == ()
    assert refused.error == ('Shell command permission check failed for pattern "!`rm -rf /`": Dangerous rm '
                             "operation detected: '/'\n\nThis command would remove a critical system directory. This "
                             "requires explicit approval and cannot be auto-allowed by permission rules.")


def test_rules_in_pure_python() -> None:
    """Corners the CLI's code shows that need no binary to check."""
    assert split_frontmatter("\ufeff---\nname: x\n---\nbody") == ("name: x\n", "body")
    assert split_frontmatter("---\nonly an opening") == (None, "---\nonly an opening")
    assert substitute("keep $0", None) == "keep $0"  # no argument string at all: nothing is substituted
    assert substitute("$0", "\uffff$1") == "\ufffd$1"  # the CLI's sentinels in a value are defused
    assert escape_value("a !b\n!c `!d` !`e`") == "a \\!b\n\\!c ` \\!d` \\! `e`"
    assert split_arguments("x " * 6000) == ["x"] * 6000  # over 10000 characters: split on whitespace
