"""A minimal OpenAI-compatible chat-completions server on 127.0.0.1, for tests of the AI fixes.

It records each request and answers with the JSON a test chooses: as a tool call when the request offers
tools (pydantic-ai's structured output), else as the message content.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ChatServer:
    """The server's state: the requests it got and the answer it gives."""

    def __init__(self, answer: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self.url = ""


def _handler(state: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            state.requests.append(
                {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
            )
            output = state.answer(body)
            message: dict[str, Any] = {"role": "assistant", "content": None}
            if body.get("tools"):
                name = body["tools"][0]["function"]["name"]
                call = {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(output)},
                }
                message["tool_calls"] = [call]
                finish = "tool_calls"
            else:
                message["content"] = json.dumps(output)
                finish = "stop"
            reply = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    return Handler


class _Server(ThreadingHTTPServer):
    """The test server, silent about a client that hung up before its answer (a cancelled AI request):
    socketserver would print that traceback to the stderr of whichever test runs next."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def chat_server(answer: Callable[[dict[str, Any]], dict[str, Any]]) -> Iterator[ChatServer]:
    """Serve on a free port of 127.0.0.1 until the block ends; `state.url` is the `/v1` base URL."""
    state = ChatServer(answer)
    server = _Server(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
