"""The real Claude Code CLI, installed from the npm registry on first use and run strictly offline.

wfc's outputs are read and run by Claude Code, so tests check them against the real binary, not against
our reading of its docs. The binary runs with an empty temporary HOME, no credentials, none of the
caller's ANTHROPIC_*/CLAUDE_* variables, and inside a network namespace (`unshare -n`) where the machine
allows one, so a test can never reach the API, log in, or read a developer's own settings.
"""
from __future__ import annotations

import dataclasses
import fcntl
import json
import platform
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import pytest

HERE = Path(__file__).resolve().parent
CLAUDE_VERSION = "2.1.332"
PACKAGE = "@anthropic-ai/claude-code"
FAKE_CLAUDE = HERE.parent / "fake_claude.py"
# The real CLI retries an unreachable API for minutes; tests that give it an API base want one attempt.
NO_RETRIES = {"CLAUDE_CODE_MAX_RETRIES": "0"}
# A made-up key and an address nothing listens on: the request fails inside the namespace, so the
# run reaches the CLI's own "API unreachable" result without any credential existing anywhere.
UNREACHABLE_API = {"ANTHROPIC_API_KEY": "sk-ant-offline-placeholder", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
                   **NO_RETRIES}
# Switch off what an offline run cannot use anyway (telemetry, update checks, error reports): a fifth less
# CPU per run, and none of it changes how options, agents or commands are read.
QUIET = {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1", "DISABLE_AUTOUPDATER": "1",
         "DISABLE_ERROR_REPORTING": "1"}
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
STUB_API = HERE / "claude_stub_api.py"


def platform_package() -> Optional[str]:
    """The platform package whose `claude` binary the npm wrapper would launch here (as its cli-wrapper.cjs picks)."""
    machine = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    if machine is None or sys.platform not in ("linux", "darwin"):
        return None
    if sys.platform == "darwin":
        return f"{PACKAGE}-darwin-{machine}"
    musl = not platform.libc_ver()[0]
    return f"{PACKAGE}-linux-{machine}{'-musl' if musl else ''}"


def installed_binary() -> Optional[Path]:
    package = platform_package()
    if package is None:
        return None
    binary = HERE / "node_modules" / package / "claude"
    return binary if binary.is_file() else None


def install_claude() -> Path:
    """`npm ci --ignore-scripts` of the pinned lock once (serialised by a lock file), then the native binary.

    --ignore-scripts because the package's postinstall only copies the same binary over its launcher stub.
    """
    if platform_package() is None:
        pytest.skip(f"Claude Code ships no native binary for {sys.platform}/{platform.machine()}")
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip(f"node and npm are needed to install {PACKAGE}@{CLAUDE_VERSION} from the npm registry")
    with open(HERE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        binary = installed_binary()
        if binary is None:
            done = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE,
                                  capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, f"npm ci in {HERE} failed:\n{done.stderr[-3000:]}"
            binary = installed_binary()
    assert binary is not None, f"npm ci installed {PACKAGE} but not {platform_package()}/claude"
    return binary


def network_isolation() -> Tuple[str, ...]:
    """The prefix that puts a command in a fresh network namespace, or () where the machine forbids it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    for prefix in ((unshare, "-n"), (unshare, "-r", "-n")):
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    return ()


@dataclass(frozen=True)
class CliRun:
    """One finished run of a `claude` executable: what it printed, how it exited, the HOME it wrote to."""

    argv: Tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    home: Path
    cwd: Path
    api_log: Optional[Path] = None

    def json(self) -> Any:
        """stdout as JSON: one object (`--output-format json`) or an array (`--verbose`)."""
        return json.loads(self.stdout)

    def lines(self) -> List[Dict[str, Any]]:
        """stdout as stream-json: one JSON object per line."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def messages(self) -> List[Dict[str, Any]]:
        """Every message printed, whatever the output format."""
        text = self.stdout.strip()
        if text.startswith("["):
            return list(self.json())
        return self.lines()

    def result(self) -> Dict[str, Any]:
        """The final `type: result` message."""
        results = [message for message in self.messages() if message.get("type") == "result"]
        assert len(results) == 1, f"expected one result message, got {len(results)}:\n{self.stdout[:2000]}"
        return results[0]

    def api_requests(self) -> List[Dict[str, Any]]:
        """The bodies of the /v1/messages requests the stub API received, in order."""
        assert self.api_log is not None, "this run had no stub API"
        lines = self.api_log.read_text(encoding="utf-8").splitlines() if self.api_log.exists() else []
        entries = [json.loads(line) for line in lines]
        return [entry["body"] for entry in entries if entry["path"].startswith("/v1/messages")
                and "count_tokens" not in entry["path"]]

    def transcript(self) -> List[Dict[str, Any]]:
        """The session transcript(s) the CLI wrote under HOME/.claude/projects, in file order."""
        entries: List[Dict[str, Any]] = []
        for path in sorted((self.home / ".claude" / "projects").glob("*/*.jsonl")):
            entries.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
        return entries

    def user_texts(self) -> List[str]:
        """The text of each user message the session recorded, as it would be sent to the model."""
        texts = []
        for entry in self.transcript():
            if entry.get("type") != "user":
                continue
            content = entry["message"]["content"]
            if isinstance(content, str):
                texts.append(content)
            else:
                texts.extend(block["text"] for block in content if block.get("type") == "text")
        return texts


@dataclass(frozen=True)
class ClaudeCli:
    """A way to start `claude`: the real binary (network-isolated) or the project's fake."""

    command: Tuple[str, ...]
    isolation: Tuple[str, ...] = ()
    base_env: Mapping[str, str] = field(default_factory=dict)

    def run(self, argv: Sequence[str], *, cwd: Path, home: Path, stdin: Optional[str] = None,
            env: Optional[Mapping[str, str]] = None, timeout: float = 60.0,
            api: Optional[Sequence[Mapping[str, Any]]] = None) -> CliRun:
        """Run with exactly this argv, stdin ("" when None) and a clean environment plus `env`.

        `api`: answer the CLI's Messages API requests from this script (see claude_stub_api.py); only for a CLI
        run in a network namespace, since the stub is served on that namespace's own loopback.
        """
        home.mkdir(parents=True, exist_ok=True)
        (home / "tmp").mkdir(exist_ok=True)
        environment = {"PATH": SYSTEM_PATH, "HOME": str(home), "TMPDIR": str(home / "tmp"),
                       "LANG": "C.UTF-8", "TERM": "dumb", **self.base_env, **(env or {})}
        prefix, api_log = self._api_prefix(home, api)
        full = (*self.isolation, *prefix, *self.command, *argv)
        try:
            done = subprocess.run(full, cwd=cwd, env=environment, input=stdin if stdin is not None else "",
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            pytest.fail(f"{' '.join(full)} did not finish within {timeout}s; stdout so far:\n{expired.stdout!r}")
        return CliRun(tuple(argv), done.returncode, done.stdout, done.stderr, home, cwd, api_log)

    def _api_prefix(self, home: Path, api: Optional[Sequence[Mapping[str, Any]]]
                    ) -> Tuple[Tuple[str, ...], Optional[Path]]:
        if api is None:
            return (), None
        if not self.isolation:
            pytest.skip("the stub Messages API needs a network namespace (`unshare -n`), which this machine refuses")
        script, log = home / "stub-api-script.json", home / "stub-api-requests.jsonl"
        script.write_text(json.dumps(list(api)), encoding="utf-8")
        return (sys.executable, str(STUB_API), str(script), str(log), "--"), log


@dataclass(frozen=True)
class Job:
    """One run to make: argv, stdin, files to write into its fresh project directory, env, stub API script."""

    argv: Tuple[str, ...]
    stdin: str = "hi"
    files: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    api: Optional[Tuple[Mapping[str, Any], ...]] = None


def run_jobs(cli: ClaudeCli, jobs: Mapping[str, Job], root: Path, workers: int = 4) -> Dict[str, CliRun]:
    """Run every job, a few at a time: the real CLI spends much of a run waiting, so overlapping runs is
    what keeps the real-binary tests fast. Each job gets ROOT/KEY/project (its cwd) and ROOT/KEY/home."""
    places = {key: root / f"{index:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', key)[:60]}" for index, key in enumerate(jobs)}

    def one(key: str) -> CliRun:
        job, project = jobs[key], places[key] / "project"
        for relative, text in job.files.items():
            (project / relative).parent.mkdir(parents=True, exist_ok=True)
            (project / relative).write_text(text, encoding="utf-8")
        project.mkdir(parents=True, exist_ok=True)
        return cli.run(job.argv, cwd=project, home=places[key] / "home", stdin=job.stdin, env=job.env, api=job.api)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(jobs, pool.map(one, jobs)))


class RunCache:
    """Real runs shared by every test of a session: a job asked for twice (the contract test and the
    test that records the same fact) runs once. Keyed by the job's whole content."""

    def __init__(self, cli: ClaudeCli, root: Path) -> None:
        self.cli, self.root = cli, root
        self.done: Dict[str, CliRun] = {}

    def run(self, jobs: Mapping[str, Job]) -> Dict[str, CliRun]:
        keys = {name: json.dumps(dataclasses.asdict(job), sort_keys=True) for name, job in jobs.items()}
        missing = {key: jobs[name] for name, key in keys.items() if key not in self.done}
        fresh = run_jobs(self.cli, {f"{len(self.done) + index}": job for index, job in enumerate(missing.values())},
                         self.root / f"batch-{len(self.done)}")
        self.done.update(zip(missing, fresh.values()))
        return {name: self.done[key] for name, key in keys.items()}


def real_cli() -> ClaudeCli:
    binary = install_claude()
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60,
                             env={"PATH": SYSTEM_PATH, "HOME": "/nonexistent"})
    assert version.stdout.strip() == f"{CLAUDE_VERSION} (Claude Code)", version.stdout + version.stderr
    return ClaudeCli((str(binary),), network_isolation(), QUIET)


def fake_cli() -> ClaudeCli:
    return ClaudeCli((sys.executable, str(FAKE_CLAUDE)))


@pytest.fixture(scope="session")
def claude_binary() -> Path:
    """The native `claude` binary of the pinned package (installed on first use)."""
    return install_claude()


@pytest.fixture(scope="session")
def claude(claude_binary: Path) -> ClaudeCli:
    """The real CLI, run offline."""
    return real_cli()


@pytest.fixture(scope="session")
def real_runs(claude: ClaudeCli, tmp_path_factory: pytest.TempPathFactory) -> RunCache:
    """Jobs run on the real CLI at most once per session."""
    return RunCache(claude, tmp_path_factory.mktemp("real-runs"))


@pytest.fixture(scope="session")
def fake_claude() -> ClaudeCli:
    """tests/fake_claude.py, run the way the real CLI is."""
    return fake_cli()


@pytest.fixture(params=["real", "fake"])
def either_claude(request: pytest.FixtureRequest) -> Iterator[ClaudeCli]:
    """The real CLI, then the fake: a contract test asserts both show the same outcome."""
    yield request.getfixturevalue("claude" if request.param == "real" else "fake_claude")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty working directory for one run (its own .claude/ goes here)."""
    path = tmp_path / "project"
    path.mkdir()
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The empty HOME of one run."""
    return tmp_path / "home"
