"""A local HTTP server speaking the Anthropic Messages API, scripted per test.

Use the ``fake_anthropic`` fixture (import it into the test module: ``from tests.fake_anthropic import
fake_anthropic_fixture  # noqa: F401``), point the SDK at ``fake_anthropic.url`` and queue replies in order::

    fake_anthropic.tool_use({"title": "..."}, name="submit_proposal", input_tokens=1200, output_tokens=300)
    fake_anthropic.error(429, retry_after=0)          # rate limited, then...
    fake_anthropic.text("plain answer")
    fake_anthropic.malformed()                        # 200 with a body that is not JSON

Each request takes the next queued reply; when the queue is empty the ``default`` callable answers (a 500 naming
the problem unless a test sets one). ``requests`` records every request (path, headers, parsed JSON body).
:class:`ScriptedServer` is the generic part, reused by ``tests/fake_voyage.py``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import pytest

from core.scripts.suggest import TOOL_NAME as SUGGESTION_TOOL


@dataclass
class Reply:
    """One scripted HTTP answer: ``body`` is JSON-encoded unless it is ``str``/``bytes`` (sent as is)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: Any


class ScriptedServer:
    """A threaded HTTP server on 127.0.0.1 (random port) answering POSTs from a queue of :class:`Reply`."""

    def __init__(self, default: Callable[[Recorded], Reply] | None = None):
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.default = default or (lambda req: Reply(500, {"error": f"no scripted reply for {req.path}"}))
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    payload = json.loads(raw) if raw else None
                except ValueError:
                    payload = raw.decode("utf-8", "replace")
                request = Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, payload)
                reply = server._next(request)
                body = reply.body
                if isinstance(body, str):
                    data = body.encode()
                elif isinstance(body, bytes):
                    data = body
                else:
                    data = json.dumps(body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _next(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.replies:
                return self.replies.popleft()
        return self.default(request)

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_ids = itertools.count(1)


def message(content: list[dict[str, Any]], *, model: str = "claude-test", stop_reason: str = "end_turn", **usage: int):
    """A Messages API response body."""
    return {
        "id": f"msg_fake_{next(_ids)}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": usage.get("input_tokens", 100),
            "output_tokens": usage.get("output_tokens", 50),
            "cache_creation_input_tokens": usage.get("cache_creation_input_tokens", 0),
            "cache_read_input_tokens": usage.get("cache_read_input_tokens", 0),
        },
    }


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class FakeAnthropic(ScriptedServer):
    """The Messages API (``POST /v1/messages``) with helpers for the replies tests need."""

    @property
    def messages(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/v1/messages")]

    def tool_use(self, tool_input: dict[str, Any], *, name: str = "submit_proposal", **usage: int) -> None:
        block = {"type": "tool_use", "id": f"toolu_fake_{next(_ids)}", "name": name, "input": tool_input}
        self.push(Reply(200, message([block], stop_reason="tool_use", **usage)))

    def script_suggestion(
        self, template_id: object, params: dict[str, str], *, instructions: str = "", confidence: float = 0.8
    ) -> None:
        """What Script Assist's suggestion tool answers: a template, its pre-filled values and instructions."""
        suggested = {
            "template_id": str(template_id),
            "pre_filled_params": params,
            "instructions": instructions,
            "confidence": confidence,
        }
        self.tool_use(suggested, name=SUGGESTION_TOOL)

    def text(self, text: str, **usage: int) -> None:
        self.push(Reply(200, message([{"type": "text", "text": text}], **usage)))

    def error(self, status: int, *, retry_after: float | None = None, message_text: str = "scripted error") -> None:
        headers = {}
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        body = {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message_text}}
        self.push(Reply(status, body, headers))

    def malformed(self) -> None:
        self.push(Reply(200, "{this is not json", {}))


@pytest.fixture(name="fake_anthropic")
def fake_anthropic_fixture() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


# Kept for modules that import the fixture by its own name.
fake_anthropic = fake_anthropic_fixture
