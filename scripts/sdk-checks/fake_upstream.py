#!/usr/bin/env python3
"""A tiny stand-in for the OpenAI API, for the real-client checks.

Usage: fake_upstream.py PORT   (0 picks a free port)

Listens on 127.0.0.1 and prints the port it got as the first line of stdout.

- POST .../chat/completions answers a chat.completion holding one tool call
  (get_weather, {"city":"Paris"}) plus an unknown top-level field
  "x_fake_upstream": true. With "stream": true in the body it answers
  text/event-stream instead: the tool call's arguments split across two
  chunks, an unknown field in a chunk, a usage chunk when
  stream_options.include_usage is set, then `data: [DONE]`.
- GET .../models lists one model (gpt-4o), for the pass-through route.
- GET /__requests returns every request received so far (method, path,
  lower-cased headers, body) so a check can see what the gateway forwarded.

Standard library only: it must run before any virtualenv exists.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOOL_NAME = "get_weather"
TOOL_ARGUMENTS = '{"city":"Paris"}'
# Where the streamed arguments are cut in two, so a client must reassemble them.
ARGUMENTS_SPLIT = 9

_requests = []
_requests_lock = threading.Lock()


def completion(model):
    return {
        "id": "chatcmpl-fake123",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "refusal": None,
                    "tool_calls": [
                        {
                            "id": "call_fake789",
                            "type": "function",
                            "function": {"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 21, "completion_tokens": 7, "total_tokens": 28},
        "x_fake_upstream": True,
    }


def stream_chunks(model, include_usage):
    created = int(time.time())

    def chunk(delta, finish_reason=None, **extra):
        body = {
            "id": "chatcmpl-fake123",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
        }
        body.update(extra)
        return body

    first = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "index": 0,
                "id": "call_fake789",
                "type": "function",
                "function": {"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS[:ARGUMENTS_SPLIT]},
            }
        ],
    }
    rest = {"tool_calls": [{"index": 0, "function": {"arguments": TOOL_ARGUMENTS[ARGUMENTS_SPLIT:]}}]}
    chunks = [
        chunk(first, x_fake_chunk=True),
        chunk(rest),
        chunk({}, "tool_calls"),
    ]
    if include_usage:
        chunks.append(
            {
                "id": "chatcmpl-fake123",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": {"prompt_tokens": 21, "completion_tokens": 7, "total_tokens": 28},
            }
        )
    return chunks


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with keep-alive and chunked streams, as the real API answers.
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        sys.stderr.write("fake_upstream: " + (format % args) + "\n")

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _record(self, raw):
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        entry = {
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body,
        }
        with _requests_lock:
            _requests.append(entry)
        return body

    def _send_json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/__requests":
            with _requests_lock:
                snapshot = list(_requests)
            self._send_json(200, snapshot)
            return
        self._record(b"")
        if self.path.split("?")[0].endswith("/models"):
            model = {"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "fake-upstream"}
            self._send_json(200, {"object": "list", "data": [model]})
            return
        self._send_json(404, {"error": {"message": f"fake upstream has no {self.path}", "type": "invalid_request_error"}})

    def do_POST(self):
        raw = self._read_body()
        body = self._record(raw)
        if not self.path.split("?")[0].endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"fake upstream has no {self.path}", "type": "invalid_request_error"}})
            return
        if not isinstance(body, dict):
            self._send_json(400, {"error": {"message": "body is not a JSON object", "type": "invalid_request_error"}})
            return
        model = body.get("model") or "gpt-4o"
        if body.get("stream") is True:
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(stream_chunks(model, include_usage))
        else:
            self._send_json(200, completion(model))

    def _stream(self, chunks):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        events = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
        for event in events:
            data = event.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
            # A pause between events, so they really arrive as separate reads.
            time.sleep(0.01)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fake_upstream.py PORT  (0 picks a free port)")
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
