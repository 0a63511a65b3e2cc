#!/usr/bin/env python3
"""Drives a running gateway with the official `openai` Python SDK.

Usage:
  openai_check.py --gateway http://127.0.0.1:PORT \
      --expect-tool NAME --expect-args JSON [--fake-upstream http://127.0.0.1:PORT]

The gateway answers with whatever its upstream says, so the caller tells which
tool call to expect: mock mode's canned `list_files` {"path": "."}, or the fake
upstream's `get_weather` {"city": "Paris"}. With --fake-upstream the script also
asserts what only a real upstream can show: unknown fields passing through, and
the request (body, key, headers) the upstream received.

Each check prints PASS or FAIL; the last line is `N passed, N failed`, and the
exit status is non-zero when anything failed.
"""

import argparse
import json
import sys
import time
import traceback
import urllib.error
import urllib.request

import openai
from openai import OpenAI

API_KEY = "sk-test"
MODEL = "gpt-4o"
MESSAGES = [{"role": "user", "content": "What should I call next?"}]
# How long interaction records may take to appear: they are written in batches.
RECORD_WAIT_SECONDS = 2.5


class Checks:
    """Runs named checks, keeps going after a failure, and counts."""

    def __init__(self, label):
        self.label = label
        self.passed = 0
        self.failed = 0

    def run(self, name, function, *args):
        try:
            function(*args)
        except AssertionError as error:
            self.failed += 1
            print(f"FAIL [{self.label}] {name}: {error}", flush=True)
            return False
        except Exception as error:  # an SDK or network error is a failure too, not a crash
            self.failed += 1
            print(f"FAIL [{self.label}] {name}: {describe(error)}", flush=True)
            return False
        self.passed += 1
        print(f"PASS [{self.label}] {name}", flush=True)
        return True


def describe(error):
    """One line: the error, what caused it (an SDK error wraps the network one), and where in this script."""
    text = f"{type(error).__name__}: {error}"
    if error.__cause__ is not None:
        text += f" (caused by {type(error.__cause__).__name__}: {error.__cause__})"
    # Line numbers in this script, skipping Checks.run itself.
    lines = [str(f.lineno) for f in traceback.extract_tb(error.__traceback__)[1:] if f.filename == __file__]
    if lines:
        text += f" [openai_check.py line {' > '.join(lines)}]"
    return text


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200, f"GET {url} answered {response.status}"
        return json.loads(response.read())


def expect_equal(actual, expected, what):
    assert actual == expected, f"{what}: expected {expected!r}, got {actual!r}"


class OpenAIScenario:
    """Three pipeline calls through the SDK, then what the gateway and upstream made of them."""

    def __init__(self, options):
        self.options = options
        self.gateway = options.gateway.rstrip("/")
        self.fake = options.fake_upstream.rstrip("/") if options.fake_upstream else None
        self.expected_tool = options.expect_tool
        self.expected_args = json.loads(options.expect_args)
        self.client = OpenAI(
            base_url=f"{self.gateway}/v1/openai", api_key=API_KEY, max_retries=0, timeout=30.0
        )
        # Declare the tool the reply will call, the way an agent would.
        self.tools = [
            {
                "type": "function",
                "function": {
                    "name": self.expected_tool,
                    "description": "A tool declared by the SDK check.",
                    "parameters": {
                        "type": "object",
                        "properties": {name: {"type": "string"} for name in self.expected_args},
                        "required": list(self.expected_args),
                    },
                },
            }
        ]
        self.pipeline_calls = 0
        self.interactions = []

    def assert_tool_call(self, name, arguments, where):
        expect_equal(name, self.expected_tool, f"{where}: tool name")
        try:
            parsed = json.loads(arguments)
        except (TypeError, ValueError):
            raise AssertionError(f"{where}: arguments are not JSON: {arguments!r}")
        expect_equal(parsed, self.expected_args, f"{where}: tool arguments")

    # --- checks -----------------------------------------------------------

    def health(self):
        body = get_json(f"{self.gateway}/health")
        expect_equal(body.get("status"), "Archestra Platform API", "/health status")

    def non_streaming(self):
        self.pipeline_calls += 1
        raw = self.client.chat.completions.with_raw_response.create(
            model=MODEL, messages=MESSAGES, tools=self.tools
        )
        expect_equal(raw.status_code, 200, "HTTP status")
        completion = raw.parse()
        expect_equal(completion.object, "chat.completion", "object")
        choice = completion.choices[0]
        expect_equal(choice.finish_reason, "tool_calls", "finish_reason")
        calls = choice.message.tool_calls or []
        expect_equal(len(calls), 1, "number of tool calls")
        self.assert_tool_call(calls[0].function.name, calls[0].function.arguments, "completion")
        if self.fake:
            # Unknown fields must survive the gateway and reach the SDK's model.
            extra = completion.model_extra or {}
            expect_equal(extra.get("x_fake_upstream"), True, "completion.model_extra['x_fake_upstream']")
            expect_equal(completion.to_dict().get("x_fake_upstream"), True, "completion.to_dict()['x_fake_upstream']")

    def streaming(self):
        self.pipeline_calls += 1
        stream = self.client.chat.completions.create(
            model=MODEL, messages=MESSAGES, tools=self.tools, stream=True,
            stream_options={"include_usage": True},
        )
        calls = {}
        finish_reason = None
        chunk_count = 0
        unknown_fields = set()
        usage = None
        for chunk in stream:
            chunk_count += 1
            expect_equal(chunk.object, "chat.completion.chunk", "chunk object")
            unknown_fields.update((chunk.model_extra or {}).keys())
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                if choice.finish_reason:
                    finish_reason = choice.finish_reason
                for delta in choice.delta.tool_calls or []:
                    call = calls.setdefault(delta.index, {"id": None, "name": "", "arguments": ""})
                    if delta.id:
                        call["id"] = delta.id
                    if delta.function and delta.function.name:
                        call["name"] += delta.function.name
                    if delta.function and delta.function.arguments:
                        call["arguments"] += delta.function.arguments
        assert chunk_count >= 2, f"expected several chunks, got {chunk_count}"
        expect_equal(finish_reason, "tool_calls", "streamed finish_reason")
        expect_equal(sorted(calls), [0], "streamed tool call indexes")
        assert calls[0]["id"], "streamed tool call has no id"
        self.assert_tool_call(calls[0]["name"], calls[0]["arguments"], "reassembled stream")
        if self.fake:
            assert "x_fake_chunk" in unknown_fields, f"unknown chunk field lost; extra fields seen: {sorted(unknown_fields)}"
            assert usage is not None, "the usage chunk did not arrive"
            expect_equal(usage.total_tokens, 28, "streamed usage.total_tokens")

    def sdk_stream_helper(self):
        """The SDK's own accumulator (`chat.completions.stream`) must agree."""
        self.pipeline_calls += 1
        with self.client.chat.completions.stream(model=MODEL, messages=MESSAGES, tools=self.tools) as stream:
            for _ in stream:
                pass
            final = stream.get_final_completion()
        calls = final.choices[0].message.tool_calls or []
        expect_equal(len(calls), 1, "number of tool calls from the SDK stream helper")
        self.assert_tool_call(calls[0].function.name, calls[0].function.arguments, "SDK stream helper")

    def interactions_recorded(self):
        deadline = time.monotonic() + RECORD_WAIT_SECONDS
        while True:
            page = get_json(f"{self.gateway}/api/interactions?limit=100")
            if page["pagination"]["total"] >= self.pipeline_calls or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.interactions = page["data"]
        expect_equal(page["pagination"]["total"], self.pipeline_calls,
                     f"interactions recorded within {RECORD_WAIT_SECONDS}s")
        for record in self.interactions:
            where = f"interaction {record.get('id')}"
            expect_equal(record.get("statusCode"), 200, f"{where} statusCode")
            expect_equal(record.get("type"), "openai:chatCompletions", f"{where} type")
            expect_equal(record.get("model"), MODEL, f"{where} model")
            expect_equal(record["request"].get("messages"), MESSAGES, f"{where} request.messages")
            message = record["response"]["choices"][0]["message"]
            call = message["tool_calls"][0]["function"]
            self.assert_tool_call(call["name"], call["arguments"], f"{where} response")
        streamed = [r for r in self.interactions if r["request"].get("stream") is True]
        expect_equal(len(streamed), 2, "recorded streaming interactions")
        for record in streamed:
            expect_equal(record["response"].get("object"), "chat.completion", "a stream is recorded reassembled")
        if self.fake:
            plain = [r for r in self.interactions if r["request"].get("stream") is not True]
            expect_equal(plain[0]["response"].get("x_fake_upstream"), True, "unknown field in the recorded response")
        assert API_KEY not in json.dumps(self.interactions), "the client's API key appears in an interaction record"

    def default_agent(self):
        agent_ids = {r["agentId"] for r in self.interactions}
        expect_equal(len(agent_ids), 1, "agents used by the SDK's requests")
        agent = get_json(f"{self.gateway}/api/agents/{agent_ids.pop()}")
        # Without an agent id in the URL, the agent is named after the User-Agent.
        expect_equal(agent.get("name"), f"OpenAI/Python {openai.__version__}", "default agent name")

    def tools_listed(self):
        tools = get_json(f"{self.gateway}/api/tools")
        matching = [t for t in tools if t.get("name") == self.expected_tool]
        expect_equal(len(matching), 1, f"tools named {self.expected_tool} in /api/tools")
        tool = matching[0]
        expect_equal(tool.get("parameters"), self.tools[0]["function"]["parameters"], "tool parameters")
        expect_equal(tool.get("description"), self.tools[0]["function"]["description"], "tool description")
        agent = tool.get("agent") or {}
        if self.interactions:
            expect_equal(agent.get("id"), self.interactions[0]["agentId"], "tool.agent.id")

    def upstream_received(self):
        received = [r for r in get_json(f"{self.fake}/__requests") if r["path"].endswith("/chat/completions")]
        expect_equal(len(received), self.pipeline_calls, "requests the upstream received")
        fake_host = self.fake.split("://", 1)[1]
        for request in received:
            headers = request["headers"]
            expect_equal(request["method"], "POST", "upstream method")
            expect_equal(request["path"], "/chat/completions", "upstream path")
            expect_equal(headers.get("authorization"), f"Bearer {API_KEY}", "upstream Authorization")
            expect_equal(headers.get("host"), fake_host, "upstream Host (the client's must not be forwarded)")
            expect_equal(headers.get("x-stainless-lang"), "python", "forwarded SDK header x-stainless-lang")
            body = request["body"]
            expect_equal(body.get("model"), MODEL, "upstream body model")
            expect_equal(body.get("messages"), MESSAGES, "upstream body messages")
            expect_equal(body.get("tools"), self.tools, "upstream body tools")
        expect_equal(sum(1 for r in received if r["body"].get("stream") is True), 2, "streaming requests upstream")

    def pass_through(self):
        models = self.client.models.list()
        expect_equal([m.id for m in models.data], [MODEL], "models listed through the pass-through route")
        received = [r for r in get_json(f"{self.fake}/__requests") if r["method"] == "GET" and r["path"] == "/models"]
        expect_equal(len(received), 1, "GET /models requests the upstream received")
        expect_equal(received[0]["headers"].get("authorization"), f"Bearer {API_KEY}", "pass-through Authorization")

    def run(self, checks):
        checks.run("GET /health", self.health)
        checks.run("non-streaming completion with a tool", self.non_streaming)
        checks.run("streaming completion reassembles", self.streaming)
        checks.run("SDK stream helper reassembles", self.sdk_stream_helper)
        checks.run("interactions recorded with statusCode 200", self.interactions_recorded)
        checks.run("default agent named after the User-Agent", self.default_agent)
        checks.run("declared tool listed in /api/tools", self.tools_listed)
        if self.fake:
            checks.run("upstream received body, key and headers", self.upstream_received)
            checks.run("pass-through GET /models", self.pass_through)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True, help="gateway root URL, e.g. http://127.0.0.1:9000")
    parser.add_argument("--expect-tool", required=True, help="tool name the reply must call")
    parser.add_argument("--expect-args", required=True, help="JSON object the call's arguments must equal")
    parser.add_argument("--fake-upstream", help="root URL of fake_upstream.py, when the gateway uses it")
    parser.add_argument("--label", default="openai", help="prefix for the PASS/FAIL lines")
    options = parser.parse_args()

    print(f"openai SDK {openai.__version__} against {options.gateway}", flush=True)
    checks = Checks(options.label)
    OpenAIScenario(options).run(checks)
    print(f"{checks.passed} passed, {checks.failed} failed", flush=True)
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
