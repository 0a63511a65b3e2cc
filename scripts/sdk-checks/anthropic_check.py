#!/usr/bin/env python3
"""Drives a running gateway with the official `anthropic` Python SDK.

Usage:
  anthropic_check.py --gateway http://127.0.0.1:PORT \
      --expect-tool NAME --expect-args JSON [--fake-upstream http://127.0.0.1:PORT] [--refusal]

The SDK's base URL is http://HOST:PORT/v1/anthropic (it appends /v1/messages).
The gateway answers with whatever its upstream says, so the caller tells which
tool call to expect: mock mode's canned `list_files` {"path": "."}, or the fake
upstream's `get_weather` {"city": "Paris"}. With --fake-upstream the script also
asserts what only a real upstream can show: unknown fields passing through both
ways, and the request (body, key, headers) the upstream received. The key goes
out in whichever header the client used: this SDK release puts
`api_key` in `Authorization: Bearer`, and one extra request sends `x-api-key`.
With --refusal (mock mode) it then sends a conversation holding an untrusted
`tool_result` block (an e-mail with an injected instruction) after a `tool_use`
block, and expects the mock reply's list_files call refused as a single text
block with stop_reason end_turn, non-streaming and
streaming; after the e-mail tool is marked trusted through the admin API the
same requests must return the call.

Each check prints PASS or FAIL; the last line is `N passed, N failed`, and the
exit status is non-zero when anything failed.
"""

import json
import os

import anthropic
from anthropic import Anthropic

from checklib import (
    EMAIL_TOOL,
    EMAIL_TOOL_DESCRIPTION,
    EMAIL_TOOL_SCHEMA,
    INJECTED_EMAIL,
    MOCK_ARGS,
    MOCK_REFUSAL_CONTENT,
    MOCK_TOOL,
    MOCK_TOOL_DESCRIPTION,
    MOCK_TOOL_SCHEMA,
    REFUSAL_AGENT_PREFIX,
    USER_REQUEST,
    Checks,
    RefusalScenarioRunner,
    run_sdk_checks,
    check_refusal_record,
    create_agent,
    expect_equal,
    get_json,
    patch_tool,
    scenario_interactions,
    wait_for_tool,
)

API_KEY = "sk-ant-test"
MODEL = "claude-sonnet-4-6"
MAX_TOKENS = 1024
MESSAGES = [{"role": "user", "content": "What should I call next?"}]
INTERACTION_TYPE = "anthropic:messages"
# Sent as an unknown request field; the upstream must receive it untouched.
EXTRA_BODY = {"x_fake_request": {"kept": True}}
# What the fake upstream says before its tool_use block (fake_upstream.py).
FAKE_TEXT = "Let me look that up."


# A developer's own settings must not change which key or URL the SDK uses.
for _variable in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
    os.environ.pop(_variable, None)


def sdk_client(base_url, **options):
    options.setdefault("api_key", API_KEY)
    return Anthropic(base_url=base_url, max_retries=0, timeout=30.0, **options)


def tool_uses(content):
    """(name, input) of every tool_use block."""
    return [(block.name, block.input) for block in content if block.type == "tool_use"]


class AnthropicScenario:
    """Three pipeline calls through the SDK, then what the gateway and upstream made of them."""

    def __init__(self, options):
        self.gateway = options.gateway.rstrip("/")
        self.fake = options.fake_upstream.rstrip("/") if options.fake_upstream else None
        self.expected_tool = options.expect_tool
        self.expected_args = json.loads(options.expect_args)
        self.client = sdk_client(f"{self.gateway}/v1/anthropic")
        # Declare the tool the reply will call, the way an agent would.
        self.tools = [
            {
                "name": self.expected_tool,
                "description": "A tool declared by the SDK check.",
                "input_schema": {
                    "type": "object",
                    "properties": {name: {"type": "string"} for name in self.expected_args},
                    "required": list(self.expected_args),
                },
            }
        ]
        self.pipeline_calls = 0
        self.interactions = []

    def create_args(self):
        return dict(model=MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES, tools=self.tools, extra_body=EXTRA_BODY)

    def assert_tool_use(self, calls, where):
        expect_equal(calls, [(self.expected_tool, self.expected_args)], f"{where}: tool_use blocks (name, input)")

    # --- checks -----------------------------------------------------------

    def non_streaming(self):
        self.pipeline_calls += 1
        raw = self.client.messages.with_raw_response.create(**self.create_args())
        expect_equal(raw.status_code, 200, "HTTP status")
        message = raw.parse()
        expect_equal(message.type, "message", "type")
        expect_equal(message.role, "assistant", "role")
        expect_equal(message.model, MODEL, "model")
        expect_equal(message.stop_reason, "tool_use", "stop_reason")
        self.assert_tool_use(tool_uses(message.content), "message")
        assert all(b.id for b in message.content if b.type == "tool_use"), "a tool_use block has no id"
        if self.fake:
            expect_equal([b.type for b in message.content], ["text", "tool_use"], "content block types")
            expect_equal(message.content[0].text, FAKE_TEXT, "text block")
            # Unknown fields must survive the gateway and reach the SDK's model.
            expect_equal((message.model_extra or {}).get("x_fake_upstream"), True, "message.model_extra['x_fake_upstream']")
            expect_equal(message.usage.output_tokens, 7, "usage.output_tokens")

    def streaming(self):
        """The raw event stream (`stream=True`): Anthropic's framing, input_json_delta pieces reassembled."""
        self.pipeline_calls += 1
        stream = self.client.messages.create(**self.create_args(), stream=True)
        types, blocks, extras = [], {}, {}
        stop_reason = None
        for event in stream:
            types.append(event.type)
            for key, value in (event.model_extra or {}).items():
                extras[key] = value
            if event.type == "content_block_start":
                block = event.content_block
                blocks[event.index] = {"type": block.type, "name": getattr(block, "name", None),
                                       "id": getattr(block, "id", None), "text": "", "json": ""}
            elif event.type == "content_block_delta":
                if event.delta.type == "text_delta":
                    blocks[event.index]["text"] += event.delta.text
                elif event.delta.type == "input_json_delta":
                    blocks[event.index]["json"] += event.delta.partial_json
            elif event.type == "message_delta":
                stop_reason = event.delta.stop_reason
        expect_equal(types[0], "message_start", "first event")
        expect_equal(types[-1], "message_stop", "last event")
        expect_equal(stop_reason, "tool_use", "message_delta stop_reason")
        calls = [(b["name"], json.loads(b["json"])) for b in blocks.values() if b["type"] == "tool_use"]
        self.assert_tool_use(calls, "reassembled stream")
        assert all(b["id"] for b in blocks.values() if b["type"] == "tool_use"), "streamed tool_use block has no id"
        if self.fake:
            pieces = sum(1 for t in types if t == "content_block_delta")
            assert pieces >= 5, f"expected the text and input_json_delta pieces as separate events, got {pieces} deltas"
            expect_equal([b["text"] for b in blocks.values() if b["type"] == "text"], [FAKE_TEXT], "streamed text")
            expect_equal(extras.get("x_fake_chunk"), True, f"unknown event field x_fake_chunk (extra fields seen: {sorted(extras)})")
            expect_equal(extras.get("x_fake_held"), True, "unknown field of the held tool_use event x_fake_held")

    def sdk_stream_helper(self):
        """The SDK's own accumulator (`messages.stream`) must agree."""
        self.pipeline_calls += 1
        with self.client.messages.stream(**self.create_args()) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        expect_equal(final.stop_reason, "tool_use", "final stop_reason")
        self.assert_tool_use(tool_uses(final.content), "SDK stream helper")
        expect_equal(text, FAKE_TEXT if self.fake else "", "text_stream")

    def interactions_recorded(self):
        self.interactions = scenario_interactions(self.gateway, INTERACTION_TYPE, self.pipeline_calls)
        for record in self.interactions:
            where = f"interaction {record.get('id')}"
            expect_equal(record.get("statusCode"), 200, f"{where} statusCode")
            expect_equal(record.get("model"), MODEL, f"{where} model")
            expect_equal(record["request"].get("messages"), MESSAGES, f"{where} request.messages")
            response = record["response"]
            expect_equal(response.get("type"), "message", f"{where} response.type (a stream is recorded reassembled)")
            expect_equal(response.get("stop_reason"), "tool_use", f"{where} response.stop_reason")
            calls = [(b.get("name"), b.get("input")) for b in response.get("content") or [] if b.get("type") == "tool_use"]
            self.assert_tool_use(calls, f"{where} response")
        streamed = [r for r in self.interactions if r["request"].get("stream") is True]
        expect_equal(len(streamed), 2, "recorded streaming interactions")
        if self.fake:
            plain = [r for r in self.interactions if r["request"].get("stream") is not True]
            expect_equal(plain[0]["response"].get("x_fake_upstream"), True, "unknown field in the recorded response")
        assert API_KEY not in json.dumps(self.interactions), "the client's API key appears in an interaction record"

    def default_agent(self):
        agent_ids = {r["agentId"] for r in self.interactions}
        expect_equal(len(agent_ids), 1, "agents used by the SDK's requests")
        agent = get_json(f"{self.gateway}/api/agents/{agent_ids.pop()}")
        # Without an agent id in the URL, the agent is named after the User-Agent without its version
        # (`Anthropic/Python {anthropic.__version__}`).
        expect_equal(agent.get("name"), "Anthropic/Python", "default agent name")

    def tools_listed(self):
        assert self.interactions, "no interaction tells the agent"
        agent_id = self.interactions[0]["agentId"]
        tool = wait_for_tool(self.gateway, agent_id, self.expected_tool)
        expect_equal(tool.get("parameters"), self.tools[0]["input_schema"], "tool parameters (input_schema)")
        expect_equal(tool.get("description"), self.tools[0]["description"], "tool description")

    def upstream_received(self):
        received = [r for r in get_json(f"{self.fake}/__requests") if r["path"].endswith("/messages")]
        expect_equal(len(received), self.pipeline_calls, "requests the upstream received")
        fake_host = self.fake.split("://", 1)[1]
        # The SDK's own key header(s), e.g. {"Authorization": "Bearer sk-ant-test"}.
        auth = {name.lower(): value for name, value in self.client.auth_headers.items()}
        assert any(API_KEY in value for value in auth.values()), f"the SDK sends no key? auth headers {auth}"
        for request in received:
            headers = request["headers"]
            expect_equal(request["method"], "POST", "upstream method")
            expect_equal(request["path"], "/messages", "upstream path")
            for name, value in auth.items():
                expect_equal(headers.get(name), value, f"upstream {name} (the client's key, as the SDK sent it)")
            if "x-api-key" not in auth:
                expect_equal(headers.get("x-api-key"), None, "upstream x-api-key (none added when the client sent a key)")
            expect_equal(headers.get("anthropic-version"), self.client.default_headers["anthropic-version"],
                         "forwarded SDK header anthropic-version")
            expect_equal(headers.get("host"), fake_host, "upstream Host (the client's must not be forwarded)")
            body = request["body"]
            expect_equal(body.get("model"), MODEL, "upstream body model")
            expect_equal(body.get("max_tokens"), MAX_TOKENS, "upstream body max_tokens")
            expect_equal(body.get("messages"), MESSAGES, "upstream body messages")
            expect_equal(body.get("tools"), self.tools, "upstream body tools")
            expect_equal(body.get("x_fake_request"), EXTRA_BODY["x_fake_request"], "unknown request field x_fake_request")
        expect_equal(sum(1 for r in received if r["body"].get("stream") is True), 2, "streaming requests upstream")

    def pass_through(self):
        models = self.client.models.list()
        expect_equal([m.id for m in models.data], [MODEL], "models listed through the pass-through route")
        received = [r for r in get_json(f"{self.fake}/__requests") if r["method"] == "GET" and r["path"].split("?")[0] == "/models"
                    and "anthropic-version" in r["headers"]]
        expect_equal(len(received), 1, "GET /models requests from the Anthropic SDK the upstream received")
        for name, value in self.client.auth_headers.items():
            expect_equal(received[0]["headers"].get(name.lower()), value, f"pass-through {name.lower()}")

    def x_api_key(self):
        """A client that sends its key as `x-api-key` (the classic header): it reaches the upstream as is."""
        client = sdk_client(f"{self.gateway}/v1/anthropic", api_key=None, default_headers={"x-api-key": API_KEY})
        before = len(get_json(f"{self.fake}/__requests"))
        message = client.messages.create(model=MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES, tools=self.tools)
        self.assert_tool_use(tool_uses(message.content), "message")
        received = [r for r in get_json(f"{self.fake}/__requests")[before:] if r["path"].endswith("/messages")]
        expect_equal(len(received), 1, "requests the upstream received")
        headers = received[0]["headers"]
        expect_equal(headers.get("x-api-key"), API_KEY, "upstream x-api-key (the client's key)")
        expect_equal(headers.get("authorization"), None, "upstream Authorization (the client sent none)")

    def run(self, checks):
        checks.run("non-streaming message with a tool", self.non_streaming)
        checks.run("raw event stream reassembles", self.streaming)
        checks.run("SDK stream helper reassembles", self.sdk_stream_helper)
        checks.run("interactions recorded (anthropic:messages, statusCode 200)", self.interactions_recorded)
        checks.run("default agent named after the User-Agent", self.default_agent)
        checks.run("declared tool listed in /api/tools", self.tools_listed)
        if self.fake:
            checks.run("upstream received body, key and headers", self.upstream_received)
            checks.run("pass-through GET /v1/models", self.pass_through)
            checks.run("a key sent as x-api-key reaches the upstream", self.x_api_key)


class AnthropicRefusalScenario(RefusalScenarioRunner):
    """Mock mode: an untrusted tool_result (an e-mail with an injected
    instruction) must get the mock reply's list_files call refused, delivered
    as one text block; once the e-mail tool is trusted through the admin API
    the same request returns the call."""

    def __init__(self, options):
        self.gateway = options.gateway.rstrip("/")
        self.agent_id = None
        self.client = None
        self.requests = 0
        self.tools = [
            {"name": EMAIL_TOOL, "description": EMAIL_TOOL_DESCRIPTION, "input_schema": EMAIL_TOOL_SCHEMA},
            {"name": MOCK_TOOL, "description": MOCK_TOOL_DESCRIPTION, "input_schema": MOCK_TOOL_SCHEMA},
        ]
        # The assistant asked for the e-mails; the tool answered with the injection.
        self.messages = [
            {"role": "user", "content": USER_REQUEST},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_email1", "name": EMAIL_TOOL, "input": {}}]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_email1", "content": json.dumps(INJECTED_EMAIL)}],
            },
        ]

    def create_args(self):
        return dict(model=MODEL, max_tokens=MAX_TOKENS, messages=self.messages, tools=self.tools)

    def create_agent(self):
        self.agent_id = create_agent(self.gateway, f"{REFUSAL_AGENT_PREFIX} (anthropic)")
        self.client = sdk_client(f"{self.gateway}/v1/anthropic/{self.agent_id}")

    def assert_refusal(self, message, where):
        expect_equal([b.type for b in message.content], ["text"], f"{where}: content block types")
        text = message.content[0].text
        assert text.startswith(f"\nI tried to invoke the {MOCK_TOOL} tool"), f"{where}: text does not start with the refusal: {text!r}"
        expect_equal(text, MOCK_REFUSAL_CONTENT, f"{where}: text")
        expect_equal(message.stop_reason, "end_turn", f"{where}: stop_reason")
        expect_equal(message.stop_sequence, None, f"{where}: stop_sequence")

    def refused(self):
        assert self.client, "no refusal agent"
        self.requests += 1
        message = self.client.messages.create(**self.create_args())
        expect_equal(message.role, "assistant", "role")
        self.assert_refusal(message, "message")

    def refused_streaming(self):
        assert self.client, "no refusal agent"
        self.requests += 1
        with self.client.messages.stream(**self.create_args()) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        expect_equal(text, MOCK_REFUSAL_CONTENT, "text_stream")
        self.assert_refusal(final, "final message")

    def recorded(self):
        assert self.agent_id, "no refusal agent"
        check_refusal_record(self.gateway, self.agent_id, INTERACTION_TYPE, self.requests)

    def trust_emails(self):
        assert self.agent_id, "no refusal agent"
        tool = wait_for_tool(self.gateway, self.agent_id, EMAIL_TOOL)
        patch_tool(self.gateway, tool["id"], dataIsTrustedByDefault=True)

    def allowed(self):
        assert self.client, "no refusal agent"
        message = self.client.messages.create(**self.create_args())
        expect_equal(message.stop_reason, "tool_use", "stop_reason")
        expect_equal(tool_uses(message.content), [(MOCK_TOOL, MOCK_ARGS)], "tool_use blocks (name, input)")

    def allowed_streaming(self):
        assert self.client, "no refusal agent"
        with self.client.messages.stream(**self.create_args()) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        expect_equal(text, "", "text_stream")
        expect_equal(final.stop_reason, "tool_use", "final stop_reason")
        expect_equal(tool_uses(final.content), [(MOCK_TOOL, MOCK_ARGS)], "streamed tool_use blocks (name, input)")



def main():
    run_sdk_checks(__doc__, "anthropic", f"anthropic SDK {anthropic.__version__}", AnthropicScenario, AnthropicRefusalScenario)


if __name__ == "__main__":
    main()
