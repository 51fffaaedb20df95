"""A real editor server reads our schema: yaml-language-server (pinned in tests/lsp/package.json,
installed from the npm registry into tests/lsp/node_modules) is driven over LSP on stdio, as VS Code
or Neovim would, and must flag a misspelled key on its line and show the schema's description on
hover. This is what users see while typing, before wfc ever runs."""
from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterator, List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLIENT_DIR = ROOT / "tests" / "lsp"
SERVER = CLIENT_DIR / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
SCHEMA = ROOT / "schema" / "workflow.schema.json"
TIMEOUT = 60.0

WORKFLOW = """\
# yaml-language-server: $schema={schema}
version: 1
title: Demo
description: A demo.
steps:
  analyze:
    title: Analyze
    run: echo hi
  quality:
    title: Review code quality
    run: echo review
    neds: [analyze]
    estimate: 5m
"""
MISSPELLED_LINE = 11  # 0-based, as LSP counts: `    neds: [analyze]`


class LanguageServer:
    """A JSON-RPC peer over the server's stdin/stdout with Content-Length framing."""

    def __init__(self, command: List[str], settings: Dict[str, Any]) -> None:
        self.settings = settings
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.inbox: "queue.Queue[Optional[Dict[str, Any]]]" = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        for message in frames(stream):
            self.inbox.put(message)
        self.inbox.put(None)

    def send(self, payload: Dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **payload}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def notify(self, method: str, params: Dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Dict[str, Any]) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self.send({"id": wanted, "method": method, "params": params})
        reply = self.wait_for(lambda m: m.get("id") == wanted and "method" not in m)
        assert "error" not in reply, reply
        return reply.get("result")

    def wait_for(self, matches: Callable[[Dict[str, Any]], bool]) -> Dict[str, Any]:
        """The next message that `matches`, answering the server's own requests meanwhile."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("the language server did not answer in time")
            try:
                message = self.inbox.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError("the language server exited")
            if "method" in message and "id" in message:
                self._answer(message)
            elif matches(message):
                return message

    def _answer(self, message: Dict[str, Any]) -> None:
        result: Any = None
        if message["method"] == "workspace/configuration":
            result = [self.settings.get(item.get("section", ""), None) for item in message["params"]["items"]]
        self.send({"id": message["id"], "result": result})

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.request("shutdown", {})
                self.notify("exit", {})
                self.process.wait(timeout=5)
        except (AssertionError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def frames(stream: IO[bytes]) -> Iterator[Dict[str, Any]]:
    """LSP base protocol: headers, a blank line, then exactly Content-Length bytes of JSON."""
    while True:
        length = None
        while True:
            line = stream.readline()
            if not line:
                return
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            continue
        yield json.loads(stream.read(length).decode("utf-8"))


@pytest.fixture(scope="session")
def server_command() -> List[str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to install and run yaml-language-server")
    if not SERVER.is_file():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(CLIENT_DIR)], cwd=CLIENT_DIR,
                       check=True, capture_output=True, timeout=300)
    return [node, str(SERVER), "--stdio"]


@pytest.fixture()
def editor(server_command: List[str], tmp_path: Path) -> Iterator[tuple]:
    """An initialised server with validation and hover on, and the workflow open in it."""
    yaml_settings = {"validate": True, "hover": True, "completion": True, "schemaStore": {"enable": False},
                     "schemas": {}, "format": {"enable": False}}
    server = LanguageServer(server_command, {"yaml": yaml_settings})
    try:
        server.request("initialize", {
            "processId": None, "rootUri": tmp_path.as_uri(), "workspaceFolders": None,
            "capabilities": {"textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]},
                                              "publishDiagnostics": {}},
                             "workspace": {"configuration": True}},
            "initializationOptions": {},
        })
        server.notify("initialized", {})
        server.notify("workspace/didChangeConfiguration", {"settings": {"yaml": yaml_settings}})
        document = tmp_path / "workflows" / "demo.yaml"
        document.parent.mkdir()
        text = WORKFLOW.format(schema=SCHEMA.as_uri())
        document.write_text(text, encoding="utf-8")
        uri = document.as_uri()
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                                "text": text}})
        yield server, uri
    finally:
        server.close()


def diagnostics_for(server: LanguageServer, uri: str) -> List[Dict[str, Any]]:
    """The first non-empty diagnostics published for `uri` (an empty set may come before the schema loads)."""
    message = server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                              and m["params"]["uri"] == uri and m["params"]["diagnostics"])
    return message["params"]["diagnostics"]


def test_a_misspelled_key_is_flagged_on_its_line(editor: tuple) -> None:
    server, uri = editor
    found = diagnostics_for(server, uri)
    assert [(d["range"]["start"]["line"], d["range"]["start"]["character"], d["message"]) for d in found] == [
        (MISSPELLED_LINE, 4, "Property neds is not allowed."),
    ]


def test_hovering_a_key_shows_the_schema_description(editor: tuple) -> None:
    server, uri = editor
    diagnostics_for(server, uri)  # the schema is loaded once the first diagnostics arrive
    description = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]["step"]["properties"]["estimate"][
        "description"
    ]
    hover = server.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": MISSPELLED_LINE + 1, "character": 6}})
    assert hover is not None
    contents = hover["contents"]
    shown = contents["value"] if isinstance(contents, dict) else json.dumps(contents)
    assert description in shown.replace("\\`", "`")  # markdown: the server escapes backticks


# -- hover on every key ------------------------------------------------------------------------


def _merged(node: Any) -> Dict[str, Any]:
    """A subschema with its `$ref` target folded in, its own keys winning (as editors read it)."""
    if not isinstance(node, dict):
        return {}
    if "$ref" not in node:
        return node
    target: Any = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for part in node["$ref"].lstrip("#/").split("/"):
        target = target[part]
    return {**_merged(target), **{key: value for key, value in node.items() if key != "$ref"}}


def _shape(node: Dict[str, Any], kind: str) -> Dict[str, Any]:
    branches = [_merged(branch) for branch in node.get("oneOf", [])]
    return next((branch for branch in branches if branch.get("type") == kind), node)


def key_schema(path: tuple) -> Dict[str, Any]:
    """The schema of the value at `path`, as its key's hover should describe it."""
    node = _merged(json.loads(SCHEMA.read_text(encoding="utf-8")))
    for part in path:
        if isinstance(part, int):
            node = _merged(_shape(node, "array")["items"])
        else:
            mapping = _shape(node, "object")
            node = _merged(mapping.get("properties", {}).get(part, mapping.get("additionalProperties")))
    return node


def key_positions(node: Any, path: tuple = ()) -> Iterator[tuple]:
    """(path, line, column) of every key, 0-based; a context entry's value `schema` is the user's own."""
    if isinstance(node, dict):
        for key in node:
            line, column = node.lc.key(key)
            yield path + (key,), line, column
            if not (len(path) == 2 and path[0] == "context" and key == "schema"):
                yield from key_positions(node[key], path + (key,))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from key_positions(item, path + (index,))


def test_hover_on_every_key_shows_that_keys_own_title_and_description(server_command: List[str],
                                                                      tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    from test_schema import FULL_WORKFLOW

    settings = {"validate": True, "hover": True, "schemaStore": {"enable": False}, "schemas": {}}
    server = LanguageServer(server_command, {"yaml": settings})
    try:
        server.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "workspaceFolders": None,
                                      "capabilities": {"textDocument": {"hover": {"contentFormat": ["markdown"]}},
                                                       "workspace": {"configuration": True}}})
        server.notify("initialized", {})
        text = f"# yaml-language-server: $schema={SCHEMA.as_uri()}\n{FULL_WORKFLOW}"
        uri = (tmp_path / "full.yaml").as_uri()
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                                "text": text}})
        wrong = []
        keys = list(key_positions(YAML().load(FULL_WORKFLOW)))
        for path, line, column in keys:
            hover = server.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                          "position": {"line": line + 1, "character": column + 1}})
            shown = (hover or {}).get("contents", {}).get("value", "").replace("\\", "")
            expected = key_schema(path)
            heading = f"#### {expected['title']}\n\n{expected['description']}"
            if not shown.startswith(heading):
                wrong.append((".".join(map(str, path)), shown.split("\n\n")[0], expected["title"]))
        assert wrong == []
        assert len(keys) == 119
    finally:
        server.close()
