"""Fixtures for tests/runtime; the helpers live in runtime_support.py, a name no other test directory uses."""
from runtime_support import *  # noqa: F401,F403  (fixtures must be visible to pytest from here)
