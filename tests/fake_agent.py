#!/usr/bin/env python3
"""The project's fake agent command: reads a prompt on stdin, prints Claude Code's JSON result.

Use it as `--agent-command "python tests/fake_agent.py"`. The result is the prompt itself, so tests
can assert exactly what the agent was asked. Lines of the prompt starting with `fake-agent:` steer
it: `fake-agent: fail` (is_error), `fake-agent: exit 3`, `fake-agent: sleep 0.2`,
`fake-agent: garbage` (prints no JSON), `fake-agent: mark PATH` (appends a line to PATH).
It also reports the step's agent, model, tools and turn limit it was given (WFC_* variables).
"""
from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    prompt = sys.stdin.read()
    directives = [line.split(":", 1)[1].split() for line in prompt.splitlines() if line.startswith("fake-agent:")]
    for directive in directives:
        verb, rest = directive[0], directive[1:]
        if verb == "sleep":
            time.sleep(float(rest[0]))
        elif verb == "mark":
            with open(rest[0], "a", encoding="utf-8") as handle:
                handle.write("ran\n")
        elif verb == "exit":
            sys.stderr.write("fake agent exiting as asked\n")
            return int(rest[0])
        elif verb == "garbage":
            print("this is not json")
            return 0
    failing = any(directive[0] == "fail" for directive in directives)
    seen = {key: os.environ.get(f"WFC_{key.upper()}", "") for key in ("step", "agent", "model", "tools", "max_turns")}
    print(json.dumps({
        "type": "result", "subtype": "error_during_execution" if failing else "success",
        "is_error": failing, "result": prompt, "total_cost_usd": 0.0125, "duration_ms": 42,
        "num_turns": 1, "session_id": "fake-session", "wfc": seen,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
