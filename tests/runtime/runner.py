"""A run in a subprocess, as the generated module does it: `python runner.py PLAN.pickle ARGS...`.

Tests that must SIGKILL or Ctrl-C a run need it in another process; pickling the analyzed plan
keeps that process's start-up to importing the runtime."""
from __future__ import annotations

import pickle
import sys

from wfc.runtime.command_line import build_command

if __name__ == "__main__":
    with open(sys.argv[1], "rb") as handle:
        plan = pickle.load(handle)
    command = build_command(plan)
    command.main(args=sys.argv[2:], prog_name="runner")
