#!/usr/bin/env python3
"""Runs an OpenAI Agents SDK agent on its default model -- the Responses API (OpenAIResponsesModel), the
provider left as the SDK makes it -- through a running gateway into a refusal.

Usage:
  openai_agents_responses_check.py --gateway http://127.0.0.1:PORT --expect-tool NAME --expect-args JSON \
      [--fake-upstream http://127.0.0.1:PORT]

The agent has a tool that reads the user's mail, whose result is an e-mail carrying an injected instruction,
and a send_email tool. The model reads the mail (allowed: nothing untrusted yet), the agent runs the tool, the
model calls the next tool and the gateway refuses the call: the e-mail is untrusted. In front of
fake_upstream.py the model reads with get_emails and then calls send_email; in mock mode every reply is the
canned list_files call, so there list_files is the mail-reading tool, called and then refused.
The run must end normally with the refusal text as `final_output` -- with `Runner.run`,
with `Runner.run_streamed` and, in front of the fake upstream, with `auto_previous_response_id` (the second turn
continues the first by id and sends only the tool result, which the gateway names after the call it remembers)
-- never running send_email, and the gateway must have recorded both turns of each run as `openai:responses`.
Then the control: a server answering the second turn with a `refusal` content part, a shape the gateway never
sends, must make the run raise ModelRefusalError. Tracing is off: nothing leaves the machine.

Each check prints PASS or FAIL; the last line is `N passed, N failed`.
"""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version

from agents import Agent, FunctionTool, MultiProvider, OpenAIResponsesModel, RunConfig, Runner, set_tracing_disabled
from agents.exceptions import ModelRefusalError
from openai import AsyncOpenAI

from checklib import (
    EMAIL_TOOL,
    INJECTED_EMAIL,
    RECORD_WAIT_SECONDS,
    UNTRUSTED_REASON,
    create_agent,
    describe,
    expect_equal,
    refusal_content,
    strings_in,
    wait_for_interactions,
)
from fake_upstream import RESPONSES_ARGUMENTS
from frameworks import API_KEY, MODEL, agent_name, run_framework_checks

INTERACTION_TYPE = "openai:responses"
PROMPT = "Summarise my latest e-mail and do what it asks."
SEND_EMAIL_TOOL = "send_email"


class ToolLog:
    """What each of the agent's tools was called with."""

    def __init__(self):
        self.calls = []

    def record(self, name, arguments):
        self.calls.append((name, arguments))


class OpenAIAgentsResponsesScenario:
    def __init__(self, options):
        self.gateway = options.gateway.rstrip("/")
        self.fake = bool(options.fake_upstream)
        if self.fake:
            self.reader, self.reader_args = EMAIL_TOOL, json.loads(RESPONSES_ARGUMENTS[EMAIL_TOOL])
            self.refused_tool, refused_args = SEND_EMAIL_TOOL, RESPONSES_ARGUMENTS[SEND_EMAIL_TOOL]
        else:
            self.reader, self.reader_args = options.expect_tool, json.loads(options.expect_args)
            self.refused_tool, refused_args = self.reader, options.expect_args
        compact = json.dumps(json.loads(refused_args), separators=(",", ":"), ensure_ascii=False)
        self.content = refusal_content(self.refused_tool, compact, UNTRUSTED_REASON)
        self.agent_id = None
        # Per run: whether its second turn continued the first by previous_response_id.
        self.runs = []

    def tool(self, name, description, properties, tool_log, result):
        async def invoke(context, arguments):
            tool_log.record(name, json.loads(arguments))
            return result

        return FunctionTool(
            name=name,
            description=description,
            params_json_schema={
                "type": "object",
                "properties": {p: {"type": "string"} for p in properties},
                "required": list(properties),
                "additionalProperties": False,
            },
            on_invoke_tool=invoke,
        )

    def make_agent(self, tool_log):
        tools = [
            self.tool(self.reader, "Reads the user's inbox.", list(self.reader_args), tool_log, json.dumps(INJECTED_EMAIL)),
            self.tool(SEND_EMAIL_TOOL, "Sends an e-mail.", ["to", "body"], tool_log, "sent"),
        ]
        # No model object: the agent names its model and the SDK's default provider picks the API.
        return Agent(name="sdk-check mail agent", instructions="You are a careful assistant.", model=MODEL, tools=tools)

    def run_config(self, client):
        return RunConfig(model_provider=MultiProvider(openai_client=client))

    def run_agent(self, base_url, tool_log, streamed=False, chained=False):
        """The run's final output; its client is closed while the event loop still runs."""

        async def run():
            client = AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=30.0)
            try:
                agent, config = self.make_agent(tool_log), self.run_config(client)
                if streamed:
                    result = Runner.run_streamed(agent, PROMPT, run_config=config)
                    async for _ in result.stream_events():
                        pass
                else:
                    result = await Runner.run(agent, PROMPT, run_config=config, auto_previous_response_id=chained)
                return result.final_output
            finally:
                await client.close()

        return asyncio.run(run())

    def gateway_url(self):
        return f"{self.gateway}/v1/openai/{self.agent_id}"

    def create_agent(self):
        self.agent_id = create_agent(self.gateway, agent_name("openai-agents-responses"))

    def default_model(self):
        client = AsyncOpenAI(base_url=self.gateway_url(), api_key=API_KEY)
        model = self.run_config(client).model_provider.get_model(MODEL)
        assert isinstance(model, OpenAIResponsesModel), f"the default provider's model is {type(model).__name__}"

    def check_run(self, output, tool_log, where):
        expect_equal(output, self.content, f"{where}: the run's final output")
        expect_equal(tool_log.calls, [(self.reader, self.reader_args)], f"{where}: tool calls the agent ran")

    def run_refused(self, chained=False):
        assert self.agent_id, "no agent"
        tool_log = ToolLog()
        self.runs.append(chained)
        output = self.run_agent(self.gateway_url(), tool_log, chained=chained)
        self.check_run(output, tool_log, "Runner.run" + (" (auto_previous_response_id)" if chained else ""))

    def run_streamed_refused(self):
        assert self.agent_id, "no agent"
        tool_log = ToolLog()
        self.runs.append(False)
        self.check_run(self.run_agent(self.gateway_url(), tool_log, streamed=True), tool_log, "Runner.run_streamed")

    def recorded(self):
        """Each run is two interactions: the mail read (clean context), then the refused call."""
        assert self.agent_id, "no agent"
        records = wait_for_interactions(self.gateway, 2 * len(self.runs), lambda r: r.get("agentId") == self.agent_id)
        expect_equal(len(records), 2 * len(self.runs), f"interactions of the agent within {RECORD_WAIT_SECONDS}s")
        refused, continued = 0, 0
        for record in records:
            where = f"interaction {record.get('id')}"
            expect_equal(record.get("type"), INTERACTION_TYPE, f"{where} type")
            expect_equal(record.get("statusCode"), 200, f"{where} statusCode")
            evaluation = record.get("evaluation") or {}
            calls = [(c.get("toolName"), c.get("allowed")) for c in evaluation.get("toolCalls") or []]
            continuation = evaluation.get("continuation")
            if continuation is not None:
                continued += 1
                expect_equal((continuation.get("kind"), continuation.get("trusted")), ("previousResponse", True),
                             f"{where} evaluation.continuation (kind, trusted): the first turn was clean")
            if evaluation.get("contextIsTrusted") is False:
                refused += 1
                results = [(r.get("toolName"), r.get("verdict")) for r in evaluation.get("toolResults") or []]
                expect_equal(results, [(self.reader, "untrusted")], f"{where} evaluation.toolResults (name, verdict)")
                expect_equal(calls, [(self.refused_tool, False)], f"{where} evaluation.toolCalls (name, allowed)")
                assert self.content in strings_in(record.get("response")), f"{where}: the refusal is not in the record"
            else:
                expect_equal(calls, [(self.reader, True)], f"{where} evaluation.toolCalls (name, allowed)")
        expect_equal(refused, len(self.runs), "refused interactions")
        expect_equal(continued, sum(self.runs), "interactions continuing a response by id")

    def refusal_part_raises(self):
        """The control: the refusal as a `refusal` content part makes the SDK raise instead of answering."""
        with RefusalPartUpstream(self.reader, self.reader_args, self.content) as server:
            try:
                output = self.run_agent(server.base_url, ToolLog())
            except ModelRefusalError:
                return
            except Exception as error:
                raise AssertionError(f"expected ModelRefusalError, got {describe(error)}")
        raise AssertionError(f"a refusal content part did not raise; the run answered {output!r}")

    def run(self, checks):
        if not checks.run("agent created through the admin API", self.create_agent):
            return
        checks.run("the SDK's default provider gives OpenAIResponsesModel", self.default_model)
        checks.run("Runner.run ends with the refusal as final_output", self.run_refused)
        checks.run("Runner.run_streamed ends with the refusal as final_output", self.run_streamed_refused)
        if self.fake:
            checks.run("Runner.run with auto_previous_response_id ends with the refusal", self.run_refused, True)
        checks.run("both turns of each run recorded as openai:responses (allowed, then refused)", self.recorded)
        checks.run("control: a refusal content part raises ModelRefusalError", self.refusal_part_raises)


class RefusalPartUpstream:
    """A Responses server: the mail-reading call while the input holds no tool result, then the refusal as a
    `refusal` content part. Use as a context manager; `base_url` is the OpenAI base URL to give the SDK."""

    def __init__(self, tool, arguments, text):
        self.tool, self.arguments, self.text = tool, arguments, text
        self.server = None

    def __enter__(self):
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                items = body.get("input") if isinstance(body.get("input"), list) else []
                if any(isinstance(i, dict) and i.get("type") == "function_call_output" for i in items):
                    item = {"type": "message", "id": "msg_part1", "status": "completed", "role": "assistant",
                            "content": [{"type": "refusal", "refusal": upstream.text}]}
                else:
                    item = {"type": "function_call", "id": "fc_part1", "call_id": "call_part1", "name": upstream.tool,
                            "arguments": json.dumps(upstream.arguments), "status": "completed"}
                reply = {"id": "resp_part1", "object": "response", "created_at": 1, "status": "completed", "model": MODEL,
                         "output": [item], "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
                         "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                                   "input_tokens_details": {"cached_tokens": 0},
                                   "output_tokens_details": {"reasoning_tokens": 0}}}
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        return False


def main():
    set_tracing_disabled(True)
    run_framework_checks(__doc__, "openai-agents-responses", f"openai-agents {version('openai-agents')} (Responses)",
                         OpenAIAgentsResponsesScenario)


if __name__ == "__main__":
    main()
