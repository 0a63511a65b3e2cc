#!/usr/bin/env python3
"""Drives a running gateway with the official `google-genai` Python SDK.

Usage:
  gemini_check.py --gateway http://127.0.0.1:PORT \
      --expect-tool NAME --expect-args JSON [--fake-upstream http://127.0.0.1:PORT] [--refusal]

The SDK's base URL is http://HOST:PORT/v1/gemini (it appends
/{api version}/models/{model}:generateContent, or :streamGenerateContent?alt=sse).
The gateway answers with whatever its upstream says, so the caller tells which
tool call to expect: mock mode's canned `list_files` {"path": "."}, or the fake
upstream's `get_weather` {"city": "Paris"}. With --fake-upstream the script also
asserts what only a real upstream can show: unknown fields passing through both
ways, and the request (body, `x-goog-api-key`, headers) the upstream received.
With --refusal (mock mode) it then sends a conversation holding an untrusted
`functionResponse` part (an e-mail with an injected instruction) after a
`functionCall` part, and expects the mock reply's list_files call refused as
plain text, non-streaming and streaming; after the e-mail
tool is marked trusted through the admin API the same requests must return the
call.

Each check prints PASS or FAIL; the last line is `N passed, N failed`, and the
exit status is non-zero when anything failed.
"""

import json
import os
import sys
import urllib.request

from google import genai
from google.genai import types

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

API_KEY = "gemini-test-key"
MODEL = "gemini-2.5-flash"
CONTENTS = [{"role": "user", "parts": [{"text": "What should I call next?"}]}]
INTERACTION_TYPE = "gemini:generateContent"
# Sent as an unknown request field; the upstream must receive it untouched.
EXTRA_BODY = {"x_fake_request": {"kept": True}}
# What the fake upstream streams before its functionCall chunk (fake_upstream.py).
FAKE_TEXT = "Let me look that up."
# The User-Agent the SDK sends names the default agent, versions removed.
SDK_USER_AGENT = f"google-genai-sdk/{genai.__version__} gl-python/{sys.version.split()[0]}"
SDK_AGENT_NAME = "google-genai-sdk gl-python"


# A developer's own settings must not change which key, backend or URL the SDK uses.
for _variable in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GEMINI_BASE_URL",
                  "GOOGLE_VERTEX_BASE_URL", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION"):
    os.environ.pop(_variable, None)


def sdk_client(base_url, extra_body=None):
    # No retries (the SDK's own or tenacity's): a failure must show at once.
    return genai.Client(
        vertexai=False,
        api_key=API_KEY,
        http_options=types.HttpOptions(
            base_url=base_url,
            timeout=30_000,
            retry_options=types.HttpRetryOptions(attempts=1),
            extra_body=extra_body,
        ),
    )


def function_calls(responses):
    """(name, args) of every functionCall part in the responses."""
    return [(call.name, call.args) for response in responses for call in (response.function_calls or [])]


def texts(responses):
    """The text parts of the responses, joined (what a client shows)."""
    return "".join(
        part.text
        for response in responses
        for candidate in response.candidates or []
        for part in ((candidate.content and candidate.content.parts) or [])
        if part.text
    )


def declaration(name, description, schema):
    return types.FunctionDeclaration(name=name, description=description, parameters_json_schema=schema)


class GeminiScenario:
    """Pipeline calls through the SDK, then what the gateway and upstream made of them."""

    def __init__(self, options):
        self.gateway = options.gateway.rstrip("/")
        self.fake = options.fake_upstream.rstrip("/") if options.fake_upstream else None
        self.expected_tool = options.expect_tool
        self.expected_args = json.loads(options.expect_args)
        self.client = sdk_client(f"{self.gateway}/v1/gemini", EXTRA_BODY)
        # Declare the tool the reply will call, the way an agent would.
        self.schema = {
            "type": "object",
            "properties": {name: {"type": "string"} for name in self.expected_args},
            "required": list(self.expected_args),
        }
        self.description = "A tool declared by the SDK check."
        self.config = types.GenerateContentConfig(
            tools=[types.Tool(function_declarations=[declaration(self.expected_tool, self.description, self.schema)])]
        )
        self.pipeline_calls = 0
        self.interactions = []

    def assert_calls(self, calls, where):
        expect_equal(calls, [(self.expected_tool, self.expected_args)], f"{where}: function calls (name, args)")

    # --- checks -----------------------------------------------------------

    def non_streaming(self):
        self.pipeline_calls += 1
        response = self.client.models.generate_content(model=MODEL, contents=CONTENTS, config=self.config)
        expect_equal(len(response.candidates or []), 1, "number of candidates")
        expect_equal(response.candidates[0].finish_reason, types.FinishReason.STOP, "finishReason")
        self.assert_calls(function_calls([response]), "response")
        expect_equal(response.model_version, MODEL, "modelVersion")
        if self.fake:
            expect_equal(response.usage_metadata.total_token_count, 28, "usageMetadata.totalTokenCount")

    def streaming(self):
        self.pipeline_calls += 1
        chunks = list(self.client.models.generate_content_stream(model=MODEL, contents=CONTENTS, config=self.config))
        assert chunks, "the stream carried no chunk"
        self.assert_calls(function_calls(chunks), "reassembled stream")
        expect_equal(chunks[-1].candidates[0].finish_reason, types.FinishReason.STOP, "last chunk finishReason")
        if self.fake:
            expect_equal(len(chunks), 2, "streamed chunks")
            expect_equal(texts(chunks), FAKE_TEXT, "streamed text")
            expect_equal(chunks[-1].usage_metadata.total_token_count, 28, "streamed usageMetadata.totalTokenCount")

    def raw_body(self):
        """The SDK's raw HTTP body (should_return_http_response) keeps the unknown field."""
        self.pipeline_calls += 1
        config = self.config.model_copy(update={"should_return_http_response": True})
        response = self.client.models.generate_content(model=MODEL, contents=CONTENTS, config=config)
        body = json.loads(response.sdk_http_response.body)
        parts = body["candidates"][0]["content"]["parts"]
        calls = [(p["functionCall"]["name"], p["functionCall"].get("args")) for p in parts if "functionCall" in p]
        self.assert_calls(calls, "raw body")
        if self.fake:
            expect_equal(body.get("x_fake_upstream"), True, "unknown field x_fake_upstream in the raw body")

    def interactions_recorded(self):
        self.interactions = scenario_interactions(self.gateway, INTERACTION_TYPE, self.pipeline_calls)
        for record in self.interactions:
            where = f"interaction {record.get('id')}"
            expect_equal(record.get("statusCode"), 200, f"{where} statusCode")
            expect_equal(record.get("model"), MODEL, f"{where} model (the URL's)")
            expect_equal(record["request"].get("contents"), CONTENTS, f"{where} request.contents")
            candidates = record["response"].get("candidates") or []
            expect_equal(len(candidates), 1, f"{where} response candidates (a stream is recorded reassembled)")
            parts = (candidates[0].get("content") or {}).get("parts") or []
            calls = [(p["functionCall"].get("name"), p["functionCall"].get("args")) for p in parts if "functionCall" in p]
            self.assert_calls(calls, f"{where} response")
        if self.fake:
            texts_recorded = sorted(
                "".join(p.get("text", "") for p in r["response"]["candidates"][0]["content"]["parts"]) for r in self.interactions
            )
            expect_equal(texts_recorded, ["", "", FAKE_TEXT], "recorded texts (the stream's text part kept)")
        assert API_KEY not in json.dumps(self.interactions), "the client's API key appears in an interaction record"

    def default_agent(self):
        agent_ids = {r["agentId"] for r in self.interactions}
        expect_equal(len(agent_ids), 1, "agents used by the SDK's requests")
        agent = get_json(f"{self.gateway}/api/agents/{agent_ids.pop()}")
        # Without an agent id in the URL, the agent is named after the User-Agent.
        expect_equal(agent.get("name"), SDK_AGENT_NAME, "default agent name")

    def tools_listed(self):
        assert self.interactions, "no interaction tells the agent"
        agent_id = self.interactions[0]["agentId"]
        tool = wait_for_tool(self.gateway, agent_id, self.expected_tool)
        # google-genai dumps function declarations with Python field names, so the
        # schema travels as `parameters_json_schema` (Google's API accepts both spellings).
        expect_equal(tool.get("parameters"), self.schema, "tool parameters (sent by the SDK as parameters_json_schema)")
        expect_equal(tool.get("description"), self.description, "tool description")

    def raw_stream_chunks(self):
        """Unknown chunk fields, which the SDK's models drop, must reach the client: read the SSE by hand."""
        assert self.interactions, "no interaction tells the agent"
        agent_id = self.interactions[0]["agentId"]
        body = {"contents": CONTENTS}
        request = urllib.request.Request(
            f"{self.gateway}/v1/gemini/{agent_id}/v1beta/models/{MODEL}:streamGenerateContent?alt=sse",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "x-goog-api-key": API_KEY, "User-Agent": "sdk-check raw SSE"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            content_type = response.headers.get("Content-Type", "")
            raw = response.read().decode()
        assert content_type.startswith("text/event-stream"), f"Content-Type {content_type!r}"
        chunks = [json.loads(line[5:]) for line in raw.splitlines() if line.startswith("data:")]
        expect_equal([c.get("x_fake_chunk") for c in chunks], [True, None], "x_fake_chunk of the streamed chunks")

    def upstream_received(self):
        received = [r for r in get_json(f"{self.fake}/__requests") if ":" in r["path"].rsplit("/", 1)[-1]]
        sdk = [r for r in received if r["headers"].get("user-agent") == SDK_USER_AGENT]
        expect_equal(len(sdk), self.pipeline_calls, "SDK requests the upstream received")
        fake_host = self.fake.split("://", 1)[1]
        # The SDK's own spelling (see tools_listed), passed through untouched.
        expected_tools = [
            {"functionDeclarations": [{"name": self.expected_tool, "description": self.description, "parameters_json_schema": self.schema}]}
        ]
        for request in received:
            headers = request["headers"]
            expect_equal(request["method"], "POST", "upstream method")
            expect_equal(headers.get("x-goog-api-key"), API_KEY, "upstream x-goog-api-key (the client's key)")
            expect_equal(headers.get("host"), fake_host, "upstream Host (the client's must not be forwarded)")
            expect_equal(request["body"].get("contents"), CONTENTS, "upstream body contents")
        for request in sdk:
            assert (request["headers"].get("x-goog-api-client") or "").startswith("google-genai-sdk/"), \
                f"forwarded SDK header x-goog-api-client: {request['headers'].get('x-goog-api-client')!r}"
            expect_equal(request["body"].get("tools"), expected_tools, "upstream body tools")
            expect_equal(request["body"].get("x_fake_request"), EXTRA_BODY["x_fake_request"], "unknown request field x_fake_request")
        paths = sorted(r["path"] for r in received)
        expect_equal(
            paths,
            sorted([f"/models/{MODEL}:generateContent"] * 2 + [f"/models/{MODEL}:streamGenerateContent?alt=sse"] * 2),
            "upstream paths (version segment dropped, alt=sse kept)",
        )

    def pass_through(self):
        names = [model.name for model in self.client.models.list()]
        expect_equal(names, [f"models/{MODEL}"], "models listed through the pass-through route")
        received = [r for r in get_json(f"{self.fake}/__requests") if r["method"] == "GET"
                    and r["path"].split("?")[0] == "/models" and r["headers"].get("user-agent") == SDK_USER_AGENT]
        expect_equal(len(received), 1, "GET /models requests from the Gemini SDK the upstream received")
        expect_equal(received[0]["headers"].get("x-goog-api-key"), API_KEY, "pass-through x-goog-api-key")

    def run(self, checks):
        checks.run("generateContent with a tool", self.non_streaming)
        checks.run("streamGenerateContent (alt=sse) reassembles", self.streaming)
        checks.run("raw HTTP body through the SDK", self.raw_body)
        checks.run("interactions recorded (gemini:generateContent, statusCode 200)", self.interactions_recorded)
        checks.run("default agent named after the User-Agent", self.default_agent)
        checks.run("declared tool listed in /api/tools", self.tools_listed)
        if self.fake:
            checks.run("stream chunks keep unknown fields (raw SSE)", self.raw_stream_chunks)
            checks.run("upstream received body, x-goog-api-key and headers", self.upstream_received)
            checks.run("pass-through GET /v1/models", self.pass_through)


class GeminiRefusalScenario(RefusalScenarioRunner):
    """Mock mode: an untrusted functionResponse (an e-mail with an injected
    instruction) must get the mock reply's list_files call refused, delivered
    as plain text; once the e-mail tool is trusted through the admin API the
    same request returns the call."""

    def __init__(self, options):
        self.gateway = options.gateway.rstrip("/")
        self.agent_id = None
        self.client = None
        self.requests = 0
        self.config = types.GenerateContentConfig(
            tools=[
                types.Tool(
                    function_declarations=[
                        declaration(EMAIL_TOOL, EMAIL_TOOL_DESCRIPTION, EMAIL_TOOL_SCHEMA),
                        declaration(MOCK_TOOL, MOCK_TOOL_DESCRIPTION, MOCK_TOOL_SCHEMA),
                    ]
                )
            ]
        )
        # The model asked for the e-mails; the tool answered with the injection.
        self.contents = [
            {"role": "user", "parts": [{"text": USER_REQUEST}]},
            {"role": "model", "parts": [{"functionCall": {"name": EMAIL_TOOL, "args": {}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": EMAIL_TOOL, "response": INJECTED_EMAIL}}]},
        ]

    def create_agent(self):
        self.agent_id = create_agent(self.gateway, f"{REFUSAL_AGENT_PREFIX} (gemini)")
        self.client = sdk_client(f"{self.gateway}/v1/gemini/{self.agent_id}")

    def refused(self):
        assert self.client, "no refusal agent"
        self.requests += 1
        response = self.client.models.generate_content(model=MODEL, contents=self.contents, config=self.config)
        expect_equal(len(response.candidates or []), 1, "number of candidates")
        candidate = response.candidates[0]
        expect_equal(candidate.content.role, "model", "candidate role")
        expect_equal(candidate.finish_reason, types.FinishReason.STOP, "finishReason")
        assert (response.text or "").startswith(f"\nI tried to invoke the {MOCK_TOOL} tool"), \
            f"response.text does not start with the refusal: {response.text!r}"
        expect_equal(response.text, MOCK_REFUSAL_CONTENT, "response.text")
        expect_equal(response.function_calls, None, "response.function_calls")

    def refused_streaming(self):
        assert self.client, "no refusal agent"
        self.requests += 1
        chunks = list(self.client.models.generate_content_stream(model=MODEL, contents=self.contents, config=self.config))
        assert chunks, "the stream carried no chunk"
        expect_equal("".join(chunk.text or "" for chunk in chunks), MOCK_REFUSAL_CONTENT, "streamed text")
        expect_equal(function_calls(chunks), [], "streamed function calls")
        expect_equal(chunks[-1].candidates[0].finish_reason, types.FinishReason.STOP, "last chunk finishReason")

    def recorded(self):
        assert self.agent_id, "no refusal agent"
        check_refusal_record(self.gateway, self.agent_id, INTERACTION_TYPE, self.requests)

    def trust_emails(self):
        assert self.agent_id, "no refusal agent"
        tool = wait_for_tool(self.gateway, self.agent_id, EMAIL_TOOL)
        patch_tool(self.gateway, tool["id"], dataIsTrustedByDefault=True)

    def allowed(self):
        assert self.client, "no refusal agent"
        response = self.client.models.generate_content(model=MODEL, contents=self.contents, config=self.config)
        expect_equal(function_calls([response]), [(MOCK_TOOL, MOCK_ARGS)], "function calls (name, args)")

    def allowed_streaming(self):
        assert self.client, "no refusal agent"
        chunks = list(self.client.models.generate_content_stream(model=MODEL, contents=self.contents, config=self.config))
        expect_equal(texts(chunks), "", "streamed text")
        expect_equal(function_calls(chunks), [(MOCK_TOOL, MOCK_ARGS)], "streamed function calls (name, args)")



def main():
    run_sdk_checks(__doc__, "gemini", f"google-genai SDK {genai.__version__}", GeminiScenario, GeminiRefusalScenario)


if __name__ == "__main__":
    main()
