"""A scripted stand-in for the Anthropic Messages API, so the real CLI can finish whole sessions offline.

Run as `claude_stub_api.py SCRIPT LOG -- COMMAND...` as the first process of a fresh network namespace: it brings
the namespace's loopback up, serves the API on an ephemeral 127.0.0.1 port (reachable from nowhere but
this namespace), points COMMAND at it through ANTHROPIC_BASE_URL with a made-up key, runs COMMAND with
this process's stdin/stdout/stderr and exits with its status. The namespace, and the server with it,
ends when COMMAND does.

SCRIPT is a JSON list, one entry per /v1/messages request, in order:
  {"content": [{"type": "text", "text": ...} | {"type": "tool_use", "id", "name", "input"}],
   "stop_reason"?: "end_turn", "usage"?: {input_tokens, output_tokens, cache_read_input_tokens,
   cache_creation_input_tokens}, "model"?: ...}  -- a streamed answer, or
  {"status": 529, "error": "overloaded_error", "message"?: ...}  -- an HTTP error with the API's error body.
Once the script runs out every answer is the text "(stub script exhausted)". LOG gets one JSON line per
request: {"path", "body"}.
"""
from __future__ import annotations

import http.server
import itertools
import json
import os
import subprocess
import sys
import threading
from typing import Any, Dict, Iterator, List, Type

PLACEHOLDER_KEY = "sk-ant-offline-placeholder"
DEFAULT_USAGE = {"input_tokens": 100, "output_tokens": 50, "cache_read_input_tokens": 0,
                 "cache_creation_input_tokens": 0}
EXHAUSTED: Dict[str, Any] = {"content": [{"type": "text", "text": "(stub script exhausted)"}]}


def stream_events(answer: Dict[str, Any], number: int) -> List[Dict[str, Any]]:
    """The server-sent events of one streamed Messages API answer."""
    usage = {**DEFAULT_USAGE, **answer.get("usage", {})}
    events: List[Dict[str, Any]] = [{"type": "message_start", "message": {
        "id": f"msg_stub_{number}", "type": "message", "role": "assistant",
        "model": answer.get("model", "claude-opus-5-5"), "content": [], "stop_reason": None,
        "stop_sequence": None, "usage": {**usage, "output_tokens": 1}}}]
    for index, block in enumerate(answer.get("content", [])):
        start: Dict[str, Any]
        delta: Dict[str, Any]
        if block["type"] == "text":
            start, delta = {"type": "text", "text": ""}, {"type": "text_delta", "text": block["text"]}
        else:
            start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        events += [{"type": "content_block_start", "index": index, "content_block": start},
                   {"type": "content_block_delta", "index": index, "delta": delta},
                   {"type": "content_block_stop", "index": index}]
    events += [{"type": "message_delta", "delta": {"stop_reason": answer.get("stop_reason", "end_turn"),
                                                   "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]}},
               {"type": "message_stop"}]
    return events


def make_handler(answers: Iterator[Dict[str, Any]], log_path: str) -> Type[http.server.BaseHTTPRequestHandler]:
    numbers = itertools.count(1)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with lock, open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"path": self.path, "body": json.loads(body or b"{}")}) + "\n")
                answer = next(answers, EXHAUSTED) if self._is_message() else None
            if answer is None:
                self._send(200, "application/json", b'{"input_tokens": 1}')
            elif "status" in answer:
                error = {"type": answer["error"], "message": answer.get("message", answer["error"])}
                self._send(answer["status"], "application/json",
                           json.dumps({"type": "error", "error": error}).encode())
            else:
                events = stream_events(answer, next(numbers))
                payload = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
                self._send(200, "text/event-stream", payload.encode())

        def do_GET(self) -> None:
            self._send(404, "application/json", b"{}")

        def _is_message(self) -> bool:
            return self.path.startswith("/v1/messages") and "count_tokens" not in self.path

        def _send(self, status: int, content_type: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def main(argv: List[str]) -> int:
    script_path, log_path, separator, *command = argv
    assert separator == "--" and command, "usage: claude_stub_api.py SCRIPT LOG -- COMMAND..."
    loopback = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if loopback.returncode != 0:
        sys.stderr.write(f"claude_stub_api: cannot bring up loopback: {loopback.stderr}")
        return 97
    with open(script_path, encoding="utf-8") as script:
        answers = iter(json.load(script))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(answers, log_path))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"ANTHROPIC_API_KEY": PLACEHOLDER_KEY, "CLAUDE_CODE_MAX_RETRIES": "0", **os.environ,
           "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}"}
    return subprocess.run(command, env=env).returncode  # the daemon thread dies with this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
