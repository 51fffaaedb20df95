"""Fixtures for tests/report; the helpers live in report_support.py, a name no other test directory uses."""
from report_support import *  # noqa: F401,F403  (fixtures must be visible to pytest from here)
