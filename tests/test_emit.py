"""The `--check` diff: exactly difflib's when the differences are few, the first screen of them
when they are many, with line numbers of the whole file, and never a diff for a plain compile."""
from __future__ import annotations

import difflib
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from wfc.emit import Output, apply, plan_change, short_diff

BASE = [f"line {index}\n" for index in range(600)]


def difflib_diff(old: list, new: list) -> str:
    lines = difflib.unified_diff(old, new, "a/x", "b/x", n=1)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines).rstrip("\n")


@st.composite
def edited(draw: st.DrawFn) -> list:
    lines = list(BASE)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["change", "delete", "insert"]))
        if action == "change":
            lines[index] = "changed\n"
        elif action == "delete":
            del lines[index]
        else:
            lines.insert(index, "inserted\n")
    return lines


@settings(max_examples=200, deadline=None)
@given(edited())
def test_a_diff_that_fits_the_window_is_difflibs_own(new: list) -> None:
    shown = short_diff(Path("x"), "".join(BASE).encode(), "".join(new))
    if "further differences not shown" not in shown:
        assert shown == difflib_diff(BASE, new)


def test_a_huge_diff_shows_its_first_hunk_numbered_in_the_whole_file() -> None:
    old = [f"  \"s{index}\": {index},\n" for index in range(300_000)]
    new = list(old)
    new[150_000] = '  "s150000": -1,\n'
    new[299_990] = '  "s299990": -1,\n'
    shown = short_diff(Path("plan.json"), "".join(old).encode(), "".join(new))
    assert shown.splitlines() == ["--- a/plan.json", "+++ b/plan.json", "@@ -150000,3 +150000,3 @@",
                                  '   "s149999": 149999,', '-  "s150000": 150000,', '+  "s150000": -1,',
                                  '   "s150001": 150001,', "... (further differences not shown)"]


def test_a_new_file_is_named_not_diffed() -> None:
    assert short_diff(Path("x.md"), None, "text\n") == "+++ x.md (new file)"


def test_writing_computes_no_diff_and_checking_does(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("".join(BASE))
    changed = list(BASE)
    changed[random.Random(5).randrange(len(BASE))] = "changed\n"
    output = Output.of_text(target, "".join(changed))
    assert plan_change(output).diff.startswith("--- a/")
    assert [(change.action, change.diff) for change in apply([output])] == [("write", "")]
    assert target.read_text() == "".join(changed)
