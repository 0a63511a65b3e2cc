#!/usr/bin/env python3
"""Drives a running gateway with the official `openai` Python SDK.

Usage:
  openai_check.py --gateway http://127.0.0.1:PORT \
      --expect-tool NAME --expect-args JSON [--fake-upstream http://127.0.0.1:PORT] [--refusal]

The gateway answers with whatever its upstream says, so the caller tells which
tool call to expect: mock mode's canned `list_files` {"path": "."}, or the fake
upstream's `get_weather` {"city": "Paris"}. With --fake-upstream the script also
asserts what only a real upstream can show: unknown fields passing through, and
the request (body, key, headers) the upstream received. With --refusal (mock
mode) it then sends a conversation holding an untrusted tool result -- an
e-mail with an injected instruction, as a `role: tool` message after an
assistant `tool_calls` message -- and expects the mock reply's list_files call
refused as an ordinary assistant message, non-streaming
and streaming; after the e-mail tool is marked trusted through the admin API
the same requests must return the call.

Each check prints PASS or FAIL; the last line is `N passed, N failed`, and the
exit status is non-zero when anything failed.
"""

import json

import openai
from openai import OpenAI

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

API_KEY = "sk-test"
MODEL = "gpt-4o"
MESSAGES = [{"role": "user", "content": "What should I call next?"}]
INTERACTION_TYPE = "openai:chatCompletions"


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
        self.interactions = scenario_interactions(self.gateway, INTERACTION_TYPE, self.pipeline_calls)
        for record in self.interactions:
            where = f"interaction {record.get('id')}"
            expect_equal(record.get("statusCode"), 200, f"{where} statusCode")
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
        # Without an agent id in the URL, the agent is named after the User-Agent without its version
        # (`OpenAI/Python {openai.__version__}`), so an SDK upgrade keeps the same agent and its policies.
        expect_equal(agent.get("name"), "OpenAI/Python", "default agent name")

    def tools_listed(self):
        assert self.interactions, "no interaction tells the agent"
        agent_id = self.interactions[0]["agentId"]
        tool = wait_for_tool(self.gateway, agent_id, self.expected_tool)
        expect_equal(tool.get("parameters"), self.tools[0]["function"]["parameters"], "tool parameters")
        expect_equal(tool.get("description"), self.tools[0]["function"]["description"], "tool description")
        expect_equal((tool.get("agent") or {}).get("id"), agent_id, "tool.agent.id")

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
        received = [r for r in get_json(f"{self.fake}/__requests") if r["method"] == "GET" and r["path"] == "/models"
                    and "anthropic-version" not in r["headers"] and "x-goog-api-key" not in r["headers"]]
        expect_equal(len(received), 1, "GET /models requests from the OpenAI SDK the upstream received")
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


class OpenAIRefusalScenario(RefusalScenarioRunner):
    """Mock mode: an untrusted tool result (an e-mail with an injected
    instruction) must get the mock reply's list_files call refused, delivered
    as an ordinary assistant message; once the e-mail tool is trusted through
    the admin API the same request returns the call."""

    def __init__(self, options):
        self.gateway = options.gateway.rstrip("/")
        self.agent_id = None
        self.client = None
        self.requests = 0
        self.tools = [
            {"type": "function", "function": {"name": EMAIL_TOOL, "description": EMAIL_TOOL_DESCRIPTION, "parameters": EMAIL_TOOL_SCHEMA}},
            {"type": "function", "function": {"name": MOCK_TOOL, "description": MOCK_TOOL_DESCRIPTION, "parameters": MOCK_TOOL_SCHEMA}},
        ]
        # The assistant asked for the e-mails; the tool answered with the injection.
        self.messages = [
            {"role": "user", "content": USER_REQUEST},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_email1", "type": "function", "function": {"name": EMAIL_TOOL, "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "call_email1", "content": json.dumps(INJECTED_EMAIL)},
        ]

    def create_agent(self):
        self.agent_id = create_agent(self.gateway, f"{REFUSAL_AGENT_PREFIX} (openai)")
        self.client = OpenAI(
            base_url=f"{self.gateway}/v1/openai/{self.agent_id}", api_key=API_KEY, max_retries=0, timeout=30.0
        )

    def refused(self):
        assert self.client, "no refusal agent"
        self.requests += 1
        completion = self.client.chat.completions.create(model=MODEL, messages=self.messages, tools=self.tools)
        expect_equal(len(completion.choices), 1, "number of choices")
        choice = completion.choices[0]
        message = choice.message
        expect_equal(message.role, "assistant", "message.role")
        assert (message.content or "").startswith(f"\nI tried to invoke the {MOCK_TOOL} tool"), \
            f"message.content does not start with the refusal: {message.content!r}"
        expect_equal(message.content, MOCK_REFUSAL_CONTENT, "message.content")
        # Null, so agent frameworks read the refusal as the assistant's text instead of raising.
        expect_equal(message.refusal, None, "message.refusal")
        expect_equal(message.tool_calls, None, "message.tool_calls")
        expect_equal(choice.finish_reason, "stop", "finish_reason")

    def refused_streaming(self):
        assert self.client, "no refusal agent"
        self.requests += 1
        content, refusal, finish_reason, tool_deltas = "", "", None, []
        for chunk in self.client.chat.completions.create(
            model=MODEL, messages=self.messages, tools=self.tools, stream=True
        ):
            for choice in chunk.choices:
                content += choice.delta.content or ""
                refusal += choice.delta.refusal or ""
                tool_deltas += choice.delta.tool_calls or []
                finish_reason = choice.finish_reason or finish_reason
        expect_equal(content, MOCK_REFUSAL_CONTENT, "streamed content")
        expect_equal(refusal, "", "streamed refusal")
        expect_equal(tool_deltas, [], "streamed tool call deltas")
        expect_equal(finish_reason, "stop", "streamed finish_reason")

    def recorded(self):
        assert self.agent_id, "no refusal agent"
        check_refusal_record(self.gateway, self.agent_id, INTERACTION_TYPE, self.requests)

    def trust_emails(self):
        assert self.agent_id, "no refusal agent"
        tool = wait_for_tool(self.gateway, self.agent_id, EMAIL_TOOL)
        patch_tool(self.gateway, tool["id"], dataIsTrustedByDefault=True)

    def allowed(self):
        assert self.client, "no refusal agent"
        completion = self.client.chat.completions.create(model=MODEL, messages=self.messages, tools=self.tools)
        choice = completion.choices[0]
        expect_equal(choice.finish_reason, "tool_calls", "finish_reason")
        calls = choice.message.tool_calls or []
        expect_equal([(c.function.name, json.loads(c.function.arguments)) for c in calls], [(MOCK_TOOL, MOCK_ARGS)],
                     "tool calls (name, arguments)")

    def allowed_streaming(self):
        assert self.client, "no refusal agent"
        calls, content = {}, ""
        for chunk in self.client.chat.completions.create(
            model=MODEL, messages=self.messages, tools=self.tools, stream=True
        ):
            for choice in chunk.choices:
                content += choice.delta.content or ""
                for delta in choice.delta.tool_calls or []:
                    call = calls.setdefault(delta.index, {"name": "", "arguments": ""})
                    call["name"] += (delta.function and delta.function.name) or ""
                    call["arguments"] += (delta.function and delta.function.arguments) or ""
        expect_equal(content, "", "streamed content")
        expect_equal([(c["name"], json.loads(c["arguments"])) for c in calls.values()], [(MOCK_TOOL, MOCK_ARGS)],
                     "streamed tool calls (name, arguments)")



def main():
    run_sdk_checks(__doc__, "openai", f"openai SDK {openai.__version__}", OpenAIScenario, OpenAIRefusalScenario)


if __name__ == "__main__":
    main()
