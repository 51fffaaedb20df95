"""The injection forms through a real run: an argument, an upstream shell step's output and an
agent's answer reach `/bin/sh` as literal text, and none of them runs code."""
from __future__ import annotations

from pathlib import Path

import pytest

from runtime_support import FAKE_CLAUDE, Workspace

ON_BOTH_BACKENDS = True  # each `ws` test runs on threads and on an in-process Dask cluster

PAYLOADS = ["x; touch pwned", "$(touch pwned)", "`touch pwned`", '"; touch pwned; "', "'; touch pwned; '",
            "x\ntouch pwned"]

FLOW = """
    version: 1
    title: Injection
    description: d
    arguments:
      payload: {description: p, required: true}
    context:
      echoed: {description: e}
      answer: {description: a}
      seen: {description: s}
    steps:
      echo:
        title: Echo the argument
        run: printf %s {{ args.payload }}
        outputs: [echoed]
      ask:
        title: Ask the agent
        prompt: "{{ args.payload }}"
        outputs: [answer]
      use:
        title: Use both
        inputs: [echoed, answer]
        run: |
          printf '%s|' "{{ context.echoed }}" '{{ context.answer }}'
          cat <<EOF
          {{ context.answer }}
          EOF
        outputs: [seen]
"""


@pytest.mark.parametrize("payload", PAYLOADS)
def test_arguments_upstream_outputs_and_agent_answers_stay_text(ws: Workspace, payload: str) -> None:
    result = ws.run(ws.plan(FLOW), args={"payload": payload}, agent_command=FAKE_CLAUDE)
    assert result.status == "succeeded", result.outcomes
    assert not Path("pwned").exists()
    assert result.outputs["echoed"] == payload
    assert result.outputs["answer"] == payload
    assert result.outputs["seen"] == f"{payload}|{payload}|{payload}"
