#!/usr/bin/env python3
"""Drives a running gateway's Responses route (`POST /v1/openai/responses`) with the official
`openai` SDK: `client.responses.create` whole and streamed, and the SDK's own accumulator
(`client.responses.stream`).

Usage:
  responses_check.py --gateway http://127.0.0.1:PORT \
      --expect-tool NAME --expect-args JSON [--fake-upstream http://127.0.0.1:PORT] [--refusal]

Both setups run every part. In mock mode every reply is the canned list_files call; in front of
fake_upstream.py the reply follows the conversation (its docstring): text without tools, else a short text
message and a call of the first declared tool not answered yet, so an answered get_emails call gets
send_email called.

1. Plain turns (the default agent): a text turn (mock mode: the canned reply, exactly), a turn declaring the
   expected tool that returns its call, the same streamed and through the SDK's accumulator; recorded as
   `openai:responses` (a stream as the final response the client got), the tool discovered, what the
   upstream received, and `background: true` answered 400 without reaching it.
2. Refusal (an agent of its own): the input holds a `function_call_output` of get_emails carrying an
   injected e-mail (untrusted: no policy) and the reply calls the dangerous tool (mock list_files, fake
   send_email). The call must come back refused -- whole: one message item with CONTENT;
   streamed: the held call's events replaced by the refusal message's, the text sent before it kept -- and
   recorded with its evaluation. Once get_emails is trusted through the admin API the same requests return
   the call.
3. Chains (another agent, so the trust flip above cannot reach it): `previous_response_id` of a
   response whose context was untrusted keeps the next turns tainted although their own input is clean;
   a response the gateway never relayed is untrusted; with the fake upstream also the converse -- a clean
   streamed response continues trusted, its call allowed -- and a tool result answering a call made earlier
   in the chain is named after that call. Records carry `evaluation.continuation`.
4. Hosted tools (fake upstream only; an agent of its own): the reply holds the provider's own web search
   before the dangerous call, so the call is refused although the request is clean; the search item
   already streamed stays. Once web_search is trusted through the admin API the call comes back.

--refusal is accepted for run.sh and changes nothing: the refusal and chain parts run in both setups.

Each check prints PASS or FAIL; the last line is `N passed, N failed`, and the exit status is non-zero when
anything failed.
"""

import argparse
import json
import re
import sys
import uuid

import openai
# The HTTP library the SDK is built on: httpx2 in recent releases, httpx in older ones.
try:
    import httpx2 as httpx
except ImportError:
    import httpx
from openai import OpenAI

from checklib import (
    EMAIL_TOOL,
    EMAIL_TOOL_DESCRIPTION,
    EMAIL_TOOL_SCHEMA,
    INJECTED_EMAIL,
    MOCK_TOOL,
    MOCK_TOOL_DESCRIPTION,
    MOCK_TOOL_SCHEMA,
    RECORD_WAIT_SECONDS,
    REFUSAL_AGENT_PREFIX,
    UNTRUSTED_REASON,
    USER_REQUEST,
    Checks,
    create_agent,
    expect_equal,
    get_json,
    patch_tool,
    refusal_content,
    request_json,
    scenario_interactions,
    strings_in,
    wait_for_interactions,
    wait_for_tool,
)
from fake_upstream import RESPONSES_ARGUMENTS, RESPONSES_PREAMBLE, RESPONSES_SEARCH_TRIGGER, RESPONSES_TEXT

API_KEY = "sk-test"
MODEL = "gpt-4o"
INTERACTION_TYPE = "openai:responses"
PLAIN_INPUT = "What is the weather in Paris?"
CLEAN_FOLLOW_UP = [{"role": "user", "content": "Go on."}]
MESSAGE_ID = re.compile(r"^msg_[0-9a-f]{32}$")
# The call of the canned mock reply.
MOCK_CALL = {"type": "function_call", "id": "fc_mock789", "call_id": "call_mock789", "name": MOCK_TOOL,
             "arguments": '{"path": "."}', "status": "completed"}
MOCK_USAGE = {"input_tokens": 82, "output_tokens": 17, "total_tokens": 99}
MOCK_STREAM_TYPES = ["response.created", "response.output_item.added", "response.function_call_arguments.delta",
                     "response.function_call_arguments.done", "response.output_item.done", "response.completed"]
# What replaces a refused call's held events, in order.
REFUSAL_STREAM_TYPES = ["response.output_item.added", "response.content_part.added", "response.output_text.delta",
                        "response.output_text.done", "response.content_part.done", "response.output_item.done",
                        "response.completed"]
# What the fake upstream streams before its call: the response's start and the preamble message.
FAKE_PREAMBLE_TYPES = ["response.created", "response.in_progress", "response.output_item.added",
                       "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                       "response.output_text.done", "response.content_part.done", "response.output_item.done"]
UNSEEN_REASON = "Continues a response the gateway has not seen"
SEND_EMAIL_TOOL = "send_email"
SEND_EMAIL_SCHEMA = {"type": "object", "properties": {"to": {"type": "string"}, "body": {"type": "string"}},
                     "required": ["to", "body"]}


def function_tool(name, description, parameters):
    return {"type": "function", "name": name, "description": description, "parameters": parameters, "strict": False}


def compact(arguments):
    return json.dumps(json.loads(arguments), separators=(",", ":"), ensure_ascii=False)


def as_dict(value):
    """An SDK model as a dict of the fields it was given, unknown ones included (the SDK may have coerced a
    number's type: compare whole responses with WireCapture instead)."""
    return value.to_dict() if hasattr(value, "to_dict") else value


def calls_in(output):
    return [(i["name"], json.loads(i["arguments"])) for i in map(as_dict, output) if i.get("type") == "function_call"]


def collect(stream):
    """Every event of a `responses.create(stream=True)` stream, and the response of its terminal event."""
    events = list(stream)
    assert events, "the stream had no event"
    expect_equal(events[-1].type, "response.completed", "last event type")
    expect_equal([e.sequence_number for e in events], list(range(len(events))), "sequence_number of the events")
    return events, events[-1].response


def text_deltas(events):
    return "".join(e.delta for e in events if e.type == "response.output_text.delta")


def tool_call_events(events):
    """Events about a function_call item, which a refusal must have dropped."""
    return [e.type for e in events if e.type.startswith("response.function_call_arguments")
            or (e.type.startswith("response.output_item") and e.item.type == "function_call")]


class WireCapture(httpx.BaseTransport):
    """Keeps the bytes of every response as the SDK reads them: the SDK's models coerce what they parse
    (`created_at` becomes a float, the stream helper adds `parsed_arguments`), but a record must equal what
    came over the wire."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.bodies = []

    def handle_request(self, request):
        response = self.inner.handle_request(request)
        chunks = []
        self.bodies.append(chunks)

        class Tee(httpx.SyncByteStream):
            def __iter__(self):
                for chunk in response.stream:
                    chunks.append(chunk)
                    yield chunk

            def close(self):
                response.stream.close()

        return httpx.Response(response.status_code, headers=response.headers, stream=Tee(), extensions=response.extensions)

    def last_response(self):
        """The last body as JSON; for a stream, the `response` of its last terminal event."""
        raw = b"".join(self.bodies[-1]).decode()
        if not raw.lstrip().startswith(("event:", "data:")):
            return json.loads(raw)
        events = [json.loads(line[5:]) for line in raw.splitlines() if line.startswith("data:")]
        terminal = [e for e in events if e.get("type") in ("response.completed", "response.incomplete", "response.failed")]
        assert terminal, "the stream had no terminal event"
        return terminal[-1]["response"]


class Setup:
    """What the upstream in front of the gateway answers."""

    def __init__(self, options):
        self.gateway = options.gateway.rstrip("/")
        self.fake = options.fake_upstream.rstrip("/") if options.fake_upstream else None
        self.expected_tool = options.expect_tool
        self.expected_args = json.loads(options.expect_args)
        # The dangerous call the untrusted e-mail must get refused, and what the refusal says.
        if self.fake:
            self.danger = function_tool(SEND_EMAIL_TOOL, "Sends an e-mail.", SEND_EMAIL_SCHEMA)
            self.danger_arguments = RESPONSES_ARGUMENTS[SEND_EMAIL_TOOL]
        else:
            self.danger = function_tool(MOCK_TOOL, MOCK_TOOL_DESCRIPTION, MOCK_TOOL_SCHEMA)
            self.danger_arguments = MOCK_CALL["arguments"]
        self.content = refusal_content(self.danger["name"], compact(self.danger_arguments), UNTRUSTED_REASON)

    def client(self, agent_id=None, capture=None):
        base = f"{self.gateway}/v1/openai" + (f"/{agent_id}" if agent_id else "")
        http_client = httpx.Client(transport=capture, timeout=30.0) if capture else None
        return OpenAI(base_url=base, api_key=API_KEY, max_retries=0, timeout=30.0, http_client=http_client)

    def upstream_requests(self):
        return get_json(f"{self.fake}/__requests") if self.fake else []

    def expect_refused(self, response, where):
        """A whole response refused: top-level fields kept, `output` one message item with CONTENT."""
        body = as_dict(response)
        output = body.get("output") or []
        expect_equal(len(output), 1, f"{where}: output items (one message, no function_call)")
        message = output[0]
        assert MESSAGE_ID.match(str(message.get("id"))), f"{where}: message id {message.get('id')!r} is not msg_<32 hex>"
        expect_equal({k: v for k, v in message.items() if k != "id"},
                     {"type": "message", "status": "completed", "role": "assistant",
                      "content": [{"type": "output_text", "text": self.content, "annotations": []}]},
                     f"{where}: the refusal message item")
        expect_equal(response.output_text, self.content, f"{where}: output_text")
        if self.fake:
            expect_equal(body.get("x_fake_upstream"), True, f"{where}: the upstream's unknown field kept")
            assert str(body.get("id")).startswith("resp_") and body["id"] != "resp_mock123", f"{where}: id {body.get('id')!r}"
            expect_equal(body.get("usage", {}).get("total_tokens"), 52, f"{where}: usage kept")
        else:
            expect_equal(body.get("id"), "resp_mock123", f"{where}: id kept")
            expect_equal(body.get("usage"), MOCK_USAGE, f"{where}: usage kept")
        expect_equal(body.get("status"), "completed", f"{where}: status")

    def expect_refused_stream(self, events, final, where):
        """A streamed refusal: what went out before the held call, then the refusal's events, nothing of the call."""
        expect_equal(tool_call_events(events), [], f"{where}: events about the refused call")
        types = [e.type for e in events]
        expect_equal(types[-len(REFUSAL_STREAM_TYPES):], REFUSAL_STREAM_TYPES, f"{where}: the refusal's events")
        refusal = events[-len(REFUSAL_STREAM_TYPES):]
        # The upstream's call was its second item after the preamble message (fake), or its only one (mock).
        index = 1 if self.fake else 0
        expect_equal([e.output_index for e in refusal[:-1]], [index] * 6, f"{where}: output_index of the refusal's events")
        added, done = as_dict(refusal[0].item), as_dict(refusal[5].item)
        assert MESSAGE_ID.match(str(added.get("id"))), f"{where}: message id {added.get('id')!r} is not msg_<32 hex>"
        expect_equal(added, {"type": "message", "id": added["id"], "status": "in_progress", "role": "assistant", "content": []},
                     f"{where}: output_item.added item")
        expect_equal(done, {"type": "message", "id": added["id"], "status": "completed", "role": "assistant",
                            "content": [{"type": "output_text", "text": self.content, "annotations": []}]},
                     f"{where}: output_item.done item")
        expect_equal([e.item_id for e in refusal[1:5]], [added["id"]] * 4, f"{where}: item_id of the part and text events")
        expect_equal(as_dict(refusal[1].part), {"type": "output_text", "text": "", "annotations": []}, f"{where}: content_part.added part")
        expect_equal(refusal[2].delta, self.content, f"{where}: output_text.delta")
        expect_equal(refusal[3].text, self.content, f"{where}: output_text.done text")
        expect_equal(as_dict(refusal[4].part).get("text"), self.content, f"{where}: content_part.done text")
        body = as_dict(final)
        sent = [as_dict(e.item) for e in events if e.type == "response.output_item.done" and e is not refusal[5]]
        expect_equal(body.get("output"), sent + [done], f"{where}: response.completed output (items sent, then the refusal)")
        if self.fake:
            expect_equal(types[:-len(REFUSAL_STREAM_TYPES)], FAKE_PREAMBLE_TYPES, f"{where}: event types before the refusal's")
            expect_equal(text_deltas(events), RESPONSES_PREAMBLE + self.content, f"{where}: streamed text")
            expect_equal(body.get("usage", {}).get("total_tokens"), 52, f"{where}: the held usage")
            expect_equal(body.get("x_fake_upstream"), True, f"{where}: the upstream's unknown field kept")
        else:
            expect_equal(types, ["response.created"] + REFUSAL_STREAM_TYPES, f"{where}: event types")
            expect_equal(body.get("usage"), MOCK_USAGE, f"{where}: the held usage")
        expect_equal(body.get("id"), events[0].response.id, f"{where}: response id (as response.created said)")

    def expected_call(self, output, name, arguments, where):
        """`output` holds exactly one call, name and arguments as the upstream made them."""
        expect_equal(calls_in(output), [(name, json.loads(arguments))], f"{where}: function calls (name, arguments)")


def check_evaluation(record, trusted, results, calls, continuation, content=None):
    """One record's `evaluation`: context trust, (tool, verdict) of its results, (tool, allowed) of its calls,
    and its continuation (None, or kind/id/trusted with the reason when given)."""
    where = f"interaction {record.get('id')}"
    expect_equal(record.get("type"), INTERACTION_TYPE, f"{where} type")
    expect_equal(record.get("statusCode"), 200, f"{where} statusCode")
    evaluation = record.get("evaluation") or {}
    expect_equal(evaluation.get("contextIsTrusted"), trusted, f"{where} evaluation.contextIsTrusted")
    expect_equal([(r.get("toolName"), r.get("verdict")) for r in evaluation.get("toolResults") or []], results,
                 f"{where} evaluation.toolResults (name, verdict)")
    expect_equal([(c.get("toolName"), c.get("allowed")) for c in evaluation.get("toolCalls") or []], calls,
                 f"{where} evaluation.toolCalls (name, allowed)")
    for call in evaluation.get("toolCalls") or []:
        if call.get("allowed") is False:
            expect_equal(call.get("reason"), UNTRUSTED_REASON, f"{where} refused call's reason")
    assert "continuation" in evaluation, f"{where}: evaluation has no continuation field (it is null without one)"
    actual = evaluation["continuation"]
    if continuation is None:
        expect_equal(actual, None, f"{where} evaluation.continuation")
    else:
        assert isinstance(actual, dict), f"{where} evaluation.continuation: expected an object, got {actual!r}"
        expected = dict(continuation)
        if "reason" not in expected:
            assert isinstance(actual.get("reason"), str) and actual["reason"], f"{where}: continuation without a reason"
            expected["reason"] = actual["reason"]
        expect_equal(actual, expected, f"{where} evaluation.continuation")
    if content is not None:
        assert content in strings_in(record.get("response")), f"{where}: the refusal is not in the recorded response"


def agent_records(gateway, agent_id, count):
    records = wait_for_interactions(gateway, count, lambda r: r.get("agentId") == agent_id)
    expect_equal(len(records), count, f"interactions of agent {agent_id} within {RECORD_WAIT_SECONDS}s")
    return records


def injected_input(call_id="call_email1"):
    """The user's request, the model's get_emails call, and its result: an e-mail with an injection."""
    return [
        {"role": "user", "content": USER_REQUEST},
        {"type": "function_call", "call_id": call_id, "name": EMAIL_TOOL, "arguments": "{}"},
        {"type": "function_call_output", "call_id": call_id, "output": json.dumps(INJECTED_EMAIL)},
    ]


class PlainScenario:
    """Turns with a clean context, through the default agent: they pass through and are recorded."""

    def __init__(self, setup):
        self.setup = setup
        self.wire = WireCapture()
        self.client = setup.client(capture=self.wire)
        self.tool = function_tool(setup.expected_tool, "A tool declared by the SDK check.", {
            "type": "object",
            "properties": {name: {"type": "string"} for name in setup.expected_args},
            "required": list(setup.expected_args),
        })
        # The function tool is the one the reply calls (the default agent may know it from the chat route
        # already); the custom and hosted tools are new to the agent, so only this route can have recorded them.
        self.custom_tool = {"type": "custom", "name": "format_report", "description": "Formats a report as the user likes it."}
        self.tools = [self.tool, self.custom_tool, {"type": "web_search"}]
        self.before = len(setup.upstream_requests())
        # (request input, stream?, the response the client ended with, as JSON) per pipeline call.
        self.sent = []
        self.records = []

    def expect_text_turn(self, response, where):
        body = self.wire.last_response()
        if self.setup.fake:
            expect_equal([i.get("type") for i in body.get("output") or []], ["message"], f"{where}: output item types")
            expect_equal(response.output_text, RESPONSES_TEXT, f"{where}: output_text")
        else:
            expect_equal({k: v for k, v in body.items() if k != "created_at"},
                         {"id": "resp_mock123", "object": "response", "status": "completed", "model": MODEL,
                          "output": [MOCK_CALL], "usage": MOCK_USAGE}, f"{where}: the canned reply")
            assert isinstance(body.get("created_at"), int), f"{where}: created_at {body.get('created_at')!r}"

    def expect_tool_turn(self, response, where):
        output = [as_dict(i) for i in response.output]
        types = ["message", "function_call"] if self.setup.fake else ["function_call"]
        expect_equal([i.get("type") for i in output], types, f"{where}: output item types")
        self.setup.expected_call(output, self.setup.expected_tool, json.dumps(self.setup.expected_args), where)

    def text_turn(self):
        raw = self.client.responses.with_raw_response.create(model=MODEL, input=PLAIN_INPUT)
        expect_equal(raw.status_code, 200, "HTTP status")
        response = raw.parse()
        self.sent.append((PLAIN_INPUT, False, self.wire.last_response()))
        expect_equal(response.object, "response", "object")
        self.expect_text_turn(response, "text turn")
        if self.setup.fake:
            expect_equal((response.model_extra or {}).get("x_fake_upstream"), True, "response.model_extra['x_fake_upstream']")

    def tool_turn(self):
        response = self.client.responses.create(model=MODEL, input=PLAIN_INPUT, tools=self.tools)
        self.sent.append((PLAIN_INPUT, False, self.wire.last_response()))
        self.expect_tool_turn(response, "tool turn")

    def streamed_tool_turn(self):
        stream = self.client.responses.create(model=MODEL, input=PLAIN_INPUT, tools=self.tools, stream=True)
        events, final = collect(stream)
        self.sent.append((PLAIN_INPUT, True, self.wire.last_response()))
        self.expect_tool_turn(final, "response.completed")
        # The call reassembled from its events must be the one the final response holds.
        arguments = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
        expect_equal(json.loads(arguments), self.setup.expected_args, "arguments from the delta events")
        expect_equal(json.loads([e for e in events if e.type == "response.function_call_arguments.done"][0].arguments),
                     self.setup.expected_args, "function_call_arguments.done arguments")
        if self.setup.fake:
            extra = events[0].model_extra or {}
            expect_equal(extra.get("x_fake_event"), True, "unknown field of response.created kept")
            expect_equal(text_deltas(events), RESPONSES_PREAMBLE, "streamed text before the call")
        else:
            expect_equal([e.type for e in events], MOCK_STREAM_TYPES, "event types")

    def sdk_stream_helper(self):
        """The SDK's accumulator (`responses.stream`) must build the same response the events end with."""
        with self.client.responses.stream(model=MODEL, input=PLAIN_INPUT) as stream:
            for _ in stream:
                pass
            final = stream.get_final_response()
        self.sent.append((PLAIN_INPUT, True, self.wire.last_response()))
        self.expect_text_turn(final, "SDK stream helper")

    def recorded(self):
        self.records = scenario_interactions(self.setup.gateway, INTERACTION_TYPE, len(self.sent))
        remaining = list(self.records)
        for request_input, streamed, got in self.sent:
            # Mock mode's responses share their id, so a record is told by the whole response it holds.
            candidates = [r for r in remaining if bool(r["request"].get("stream")) == streamed and r.get("response") == got]
            assert candidates, (f"no {'streamed ' if streamed else ''}record holds the response the client got, {got!r}; "
                                f"recorded: {[r.get('response') for r in remaining]!r}")
            record = candidates[0]
            remaining.remove(record)
            where = f"interaction {record.get('id')}"
            expect_equal(record.get("statusCode"), 200, f"{where} statusCode")
            expect_equal(record.get("model"), MODEL, f"{where} model")
            expect_equal(record["request"].get("input"), request_input, f"{where} request.input")
            evaluation = record.get("evaluation") or {}
            expect_equal(evaluation.get("contextIsTrusted"), True, f"{where} evaluation.contextIsTrusted")
            assert all(c.get("allowed") for c in evaluation.get("toolCalls") or []), f"{where}: a call was refused"
        assert API_KEY not in json.dumps(self.records), "the client's API key appears in an interaction record"

    def default_agent(self):
        agent_ids = {r["agentId"] for r in self.records}
        expect_equal(len(agent_ids), 1, "agents used by the SDK's requests")
        agent = get_json(f"{self.setup.gateway}/api/agents/{agent_ids.pop()}")
        expect_equal(agent.get("name"), "OpenAI/Python", "default agent name (the User-Agent without its version)")

    def tool_listed(self):
        assert self.records, "no interaction tells the agent"
        agent_id = self.records[0]["agentId"]
        tool = wait_for_tool(self.setup.gateway, agent_id, self.tool["name"])
        expect_equal(tool.get("parameters"), self.tool["parameters"], "function tool parameters")
        expect_equal(tool.get("description"), self.tool["description"], "function tool description")
        custom = wait_for_tool(self.setup.gateway, agent_id, self.custom_tool["name"])
        expect_equal((custom.get("description"), custom.get("parameters")), (self.custom_tool["description"], {}),
                     "custom tool (description, parameters)")
        # A hosted tool is named by its type, so its output can be judged like any tool's.
        hosted = wait_for_tool(self.setup.gateway, agent_id, "web_search")
        expect_equal(hosted.get("parameters"), {}, "hosted tool parameters")

    def upstream_received(self):
        received = [r for r in self.setup.upstream_requests()[self.before:] if r["path"].endswith("/responses")]
        expect_equal(len(received), len(self.sent), "requests the upstream received")
        fake_host = self.setup.fake.split("://", 1)[1]
        for request in received:
            headers, body = request["headers"], request["body"]
            expect_equal((request["method"], request["path"]), ("POST", "/responses"), "upstream method and path")
            expect_equal(headers.get("authorization"), f"Bearer {API_KEY}", "upstream Authorization")
            expect_equal(headers.get("host"), fake_host, "upstream Host (the client's must not be forwarded)")
            expect_equal((body.get("model"), body.get("input")), (MODEL, PLAIN_INPUT), "upstream body model and input")
            assert body.get("tools") in (None, self.tools), f"upstream body tools changed: {body.get('tools')!r}"
        expect_equal(sum(1 for r in received if r["body"].get("stream") is True), 2, "streaming requests upstream")

    def background_refused(self):
        before = len(self.setup.upstream_requests())
        try:
            self.client.responses.create(model=MODEL, input=PLAIN_INPUT, background=True)
        except openai.BadRequestError as error:
            expect_equal(error.status_code, 400, "status")
        else:
            raise AssertionError("a background request was answered, not refused")
        if self.setup.fake:
            expect_equal(self.setup.upstream_requests()[before:], [], "requests the upstream received")

    def run(self, checks):
        checks.run("text turn passes through (responses.create)", self.text_turn)
        checks.run("turn declaring a tool returns its function_call", self.tool_turn)
        checks.run("streamed turn: typed events reassemble the call", self.streamed_tool_turn)
        checks.run("SDK stream helper (responses.stream) gets the final response", self.sdk_stream_helper)
        checks.run("recorded as openai:responses, a stream as the final response", self.recorded)
        checks.run("default agent named after the User-Agent", self.default_agent)
        checks.run("declared function, custom and hosted tools listed in /api/tools", self.tool_listed)
        if self.setup.fake:
            checks.run("upstream received body, key and headers", self.upstream_received)
        checks.run('"background": true answered 400 and not forwarded', self.background_refused)


class RefusalScenario:
    """An untrusted e-mail in the input gets the reply's dangerous call refused, until get_emails is trusted."""

    def __init__(self, setup):
        self.setup = setup
        self.agent_id = None
        self.client = None
        self.tools = [function_tool(EMAIL_TOOL, EMAIL_TOOL_DESCRIPTION, EMAIL_TOOL_SCHEMA), setup.danger]
        self.input = injected_input()
        self.requests = 0

    def create_agent(self):
        self.agent_id = create_agent(self.setup.gateway, f"{REFUSAL_AGENT_PREFIX} (responses)")
        self.client = self.setup.client(self.agent_id)

    def refused(self):
        assert self.client, "no refusal agent"
        self.requests += 1
        raw = self.client.responses.with_raw_response.create(model=MODEL, input=self.input, tools=self.tools)
        expect_equal(raw.status_code, 200, "HTTP status (a refusal is 200)")
        self.setup.expect_refused(raw.parse(), "refused response")

    def refused_streaming(self):
        assert self.client, "no refusal agent"
        self.requests += 1
        events, final = collect(self.client.responses.create(model=MODEL, input=self.input, tools=self.tools, stream=True))
        self.setup.expect_refused_stream(events, final, "refused stream")

    def refused_stream_helper(self):
        assert self.client, "no refusal agent"
        self.requests += 1
        with self.client.responses.stream(model=MODEL, input=self.input, tools=self.tools) as stream:
            for _ in stream:
                pass
            final = stream.get_final_response()
        expect_equal(calls_in(final.output), [], "function calls in the accumulated response")
        expected = (RESPONSES_PREAMBLE if self.setup.fake else "") + self.setup.content
        expect_equal(final.output_text, expected, "accumulated output_text")

    def recorded(self):
        assert self.agent_id, "no refusal agent"
        for record in agent_records(self.setup.gateway, self.agent_id, self.requests):
            check_evaluation(record, False, [(EMAIL_TOOL, "untrusted")], [(self.setup.danger["name"], False)], None,
                             self.setup.content)

    def trust_emails(self):
        assert self.agent_id, "no refusal agent"
        tool = wait_for_tool(self.setup.gateway, self.agent_id, EMAIL_TOOL)
        patch_tool(self.setup.gateway, tool["id"], dataIsTrustedByDefault=True)

    def allowed(self):
        assert self.client, "no refusal agent"
        response = self.client.responses.create(model=MODEL, input=self.input, tools=self.tools)
        self.setup.expected_call(response.output, self.setup.danger["name"], self.setup.danger_arguments, "allowed response")

    def allowed_streaming(self):
        assert self.client, "no refusal agent"
        events, final = collect(self.client.responses.create(model=MODEL, input=self.input, tools=self.tools, stream=True))
        self.setup.expected_call(final.output, self.setup.danger["name"], self.setup.danger_arguments, "response.completed")
        arguments = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
        expect_equal(json.loads(arguments), json.loads(self.setup.danger_arguments), "arguments from the delta events")

    def run(self, checks):
        if not checks.run("refusal: agent created through the admin API", self.create_agent):
            return
        checks.run(f"refusal: untrusted e-mail gets {self.setup.danger['name']} refused (one message item)", self.refused)
        checks.run("refusal: streamed, the call's events replaced by the refusal message's", self.refused_streaming)
        checks.run("refusal: SDK stream helper accumulates the refusal", self.refused_stream_helper)
        checks.run("refusal: recorded with its evaluation", self.recorded)
        if checks.run("refusal: e-mail tool marked trusted (PATCH dataIsTrustedByDefault)", self.trust_emails):
            checks.run("trusted: the same request returns the function_call", self.allowed)
            checks.run("trusted: the same streamed request returns the function_call", self.allowed_streaming)


class ChainScenario:
    """`previous_response_id` inherits the continued response's trust."""

    def __init__(self, setup):
        self.setup = setup
        self.agent_id = None
        self.client = None
        self.tools = [function_tool(EMAIL_TOOL, EMAIL_TOOL_DESCRIPTION, EMAIL_TOOL_SCHEMA), setup.danger]
        # Per request made: (previous_response_id, expected check_evaluation arguments but the record).
        self.expected = []
        self.tainted = []
        self.clean = None

    def create_agent(self):
        self.agent_id = create_agent(self.setup.gateway, f"{REFUSAL_AGENT_PREFIX} (responses chain)")
        self.client = self.setup.client(self.agent_id)

    def refused_turn(self, previous, stream=False, input=CLEAN_FOLLOW_UP, tools=None):
        extra = {"previous_response_id": previous} if previous else {}
        if stream:
            events, final = collect(self.client.responses.create(
                model=MODEL, input=input, tools=tools or self.tools, stream=True, **extra))
            self.setup.expect_refused_stream(events, final, "refused stream")
            return final
        response = self.client.responses.create(model=MODEL, input=input, tools=tools or self.tools, **extra)
        self.setup.expect_refused(response, "refused response")
        return response

    def tainted_chain(self):
        assert self.client, "no chain agent"
        first = self.refused_turn(None, input=injected_input())
        self.expected.append((None, (False, [(EMAIL_TOOL, "untrusted")], [(self.setup.danger["name"], False)], None)))
        second = self.refused_turn(first.id)
        self.expected.append((first.id, (False, [], [(self.setup.danger["name"], False)],
                                         {"kind": "previousResponse", "id": first.id, "trusted": False})))
        self.tainted = [first.id, second.id]

    def tainted_two_hops_streamed(self):
        assert self.tainted, "no tainted chain"
        self.refused_turn(self.tainted[-1], stream=True)
        self.expected.append((self.tainted[-1], (False, [], [(self.setup.danger["name"], False)],
                                                 {"kind": "previousResponse", "id": self.tainted[-1], "trusted": False})))

    def unseen(self):
        assert self.client, "no chain agent"
        if self.setup.fake:
            # Made around the gateway: the provider knows it, the gateway never saw what it holds.
            status, made = request_json("POST", f"{self.setup.fake}/responses", {"model": MODEL, "input": PLAIN_INPUT},
                                        {"Authorization": f"Bearer {API_KEY}"})
            expect_equal(status, 200, "response made directly at the fake upstream")
            previous = made["id"]
        else:
            previous = f"resp_{uuid.uuid4().hex}"
        self.refused_turn(previous, tools=[self.setup.danger])
        self.expected.append((previous, (False, [], [(self.setup.danger["name"], False)],
                                         {"kind": "previousResponse", "id": previous, "trusted": False,
                                          "reason": UNSEEN_REASON})))

    def clean_chain(self):
        """Fake upstream: a clean streamed turn calls get_emails (allowed); continuing it stays trusted."""
        assert self.client, "no chain agent"
        first_input = [{"role": "user", "content": USER_REQUEST}]
        events, first = collect(self.client.responses.create(model=MODEL, input=first_input, tools=self.tools, stream=True))
        email_args = RESPONSES_ARGUMENTS[EMAIL_TOOL]
        self.setup.expected_call(first.output, EMAIL_TOOL, email_args, "first turn")
        self.expected.append((None, (True, [], [(EMAIL_TOOL, True)], None)))
        # get_emails is still unanswered, so the upstream calls it again.
        second = self.client.responses.create(model=MODEL, input=CLEAN_FOLLOW_UP, tools=self.tools,
                                              previous_response_id=first.id)
        self.setup.expected_call(second.output, EMAIL_TOOL, email_args, "continued turn")
        self.expected.append((first.id, (True, [], [(EMAIL_TOOL, True)],
                                         {"kind": "previousResponse", "id": first.id, "trusted": True})))
        self.clean = first

    def result_named_by_chain(self):
        """Fake upstream: a function_call_output whose call is only in the continued response (no function_call
        item in this input) is judged as that call's tool -- get_emails, untrusted -- and the next call refused."""
        assert self.clean, "no clean chain"
        call_id = [as_dict(i) for i in self.clean.output if i.type == "function_call"][0]["call_id"]
        output = [{"type": "function_call_output", "call_id": call_id, "output": json.dumps(INJECTED_EMAIL)}]
        self.refused_turn(self.clean.id, input=output)
        self.expected.append((self.clean.id, (False, [(EMAIL_TOOL, "untrusted")], [(self.setup.danger["name"], False)],
                                              {"kind": "previousResponse", "id": self.clean.id, "trusted": True})))

    def recorded(self):
        assert self.agent_id, "no chain agent"
        records = agent_records(self.setup.gateway, self.agent_id, len(self.expected))
        remaining = list(records)
        for previous, (trusted, results, calls, continuation) in self.expected:
            matching = [r for r in remaining if r["request"].get("previous_response_id") == previous
                        and ((r.get("evaluation") or {}).get("contextIsTrusted") == trusted)
                        and len((r.get("evaluation") or {}).get("toolResults") or []) == len(results)]
            assert matching, f"no record continuing {previous!r} with contextIsTrusted {trusted}"
            remaining.remove(matching[0])
            check_evaluation(matching[0], trusted, results, calls, continuation,
                             self.setup.content if not trusted else None)

    def run(self, checks):
        if not checks.run("chain: agent created through the admin API", self.create_agent):
            return
        checks.run("chain: a clean turn continuing an untrusted response is refused", self.tainted_chain)
        checks.run("chain: streamed, two hops on, still refused", self.tainted_two_hops_streamed)
        checks.run("chain: a response the gateway never relayed is untrusted", self.unseen)
        if self.setup.fake:
            checks.run("chain: continuing a clean streamed response stays trusted, its call allowed", self.clean_chain)
            checks.run("chain: a tool result for a call made earlier in the chain is named by it", self.result_named_by_chain)
        checks.run("chain: recorded with evaluation.continuation", self.recorded)


class HostedToolScenario:
    """Fake upstream: the provider's own web search ran inside the response, so the function call after it was
    made with untrusted content in view, although the request itself is clean; trusting web_search
    through the admin API lets the call through."""

    def __init__(self, setup):
        self.setup = setup
        self.agent_id = None
        self.client = None
        self.tools = [{"type": "web_search"}, setup.danger]
        self.input = [{"role": "user", "content": f"Please {RESPONSES_SEARCH_TRIGGER} for my mailbox migration."}]
        self.requests = 0

    def create_agent(self):
        self.agent_id = create_agent(self.setup.gateway, f"{REFUSAL_AGENT_PREFIX} (responses hosted)")
        self.client = self.setup.client(self.agent_id)

    def refused(self):
        assert self.client, "no agent"
        self.requests += 1
        self.setup.expect_refused(self.client.responses.create(model=MODEL, input=self.input, tools=self.tools),
                                  "refused response")

    def refused_streaming(self):
        assert self.client, "no agent"
        self.requests += 1
        events, final = collect(self.client.responses.create(model=MODEL, input=self.input, tools=self.tools, stream=True))
        # The search went out before the call was held: it stays, and the refusal takes the call's place after it.
        output = [as_dict(i) for i in final.output]
        expect_equal([i.get("type") for i in output], ["web_search_call", "message", "message"], "response.completed output types")
        expect_equal(calls_in(final.output), [], "function calls in the final response")
        expect_equal(output[-1]["content"][0]["text"], self.setup.content, "the refusal message's text")
        expect_equal(tool_call_events(events), [], "events about the refused call")
        expect_equal(text_deltas(events), RESPONSES_PREAMBLE + self.setup.content, "streamed text")
        refusal_indexes = {e.output_index for e in events[-len(REFUSAL_STREAM_TYPES):-1]}
        expect_equal(refusal_indexes, {2}, "output_index of the refusal's events (the held call's)")

    def recorded(self):
        assert self.agent_id, "no agent"
        for record in agent_records(self.setup.gateway, self.agent_id, self.requests):
            where = f"interaction {record.get('id')}"
            evaluation = record.get("evaluation") or {}
            # Where a verdict on the reply's own content goes is left open; the gateway keeps the request's
            # results in toolResults and the reply's in replyToolResults, so the refusal's cause shows in either.
            results = [(r.get("toolName"), r.get("verdict"))
                       for r in (evaluation.get("toolResults") or []) + (evaluation.get("replyToolResults") or [])]
            expect_equal(results, [("web_search", "untrusted")],
                         f"{where} evaluation.toolResults + replyToolResults (name, verdict)")
            expect_equal([(c.get("toolName"), c.get("allowed"), c.get("reason")) for c in evaluation.get("toolCalls") or []],
                         [(self.setup.danger["name"], False, UNTRUSTED_REASON)], f"{where} evaluation.toolCalls")
            assert self.setup.content in strings_in(record.get("response")), f"{where}: the refusal is not in the record"

    def trust_search(self):
        assert self.agent_id, "no agent"
        tool = wait_for_tool(self.setup.gateway, self.agent_id, "web_search")
        patch_tool(self.setup.gateway, tool["id"], dataIsTrustedByDefault=True)

    def allowed(self):
        assert self.client, "no agent"
        response = self.client.responses.create(model=MODEL, input=self.input, tools=self.tools)
        expect_equal([i.type for i in response.output], ["web_search_call", "message", "function_call"], "output item types")
        self.setup.expected_call(response.output, self.setup.danger["name"], self.setup.danger_arguments, "allowed response")

    def allowed_streaming(self):
        assert self.client, "no agent"
        _, final = collect(self.client.responses.create(model=MODEL, input=self.input, tools=self.tools, stream=True))
        self.setup.expected_call(final.output, self.setup.danger["name"], self.setup.danger_arguments, "response.completed")

    def run(self, checks):
        if not checks.run("hosted tool: agent created through the admin API", self.create_agent):
            return
        checks.run("hosted tool: a call after the provider's web search is refused", self.refused)
        checks.run("hosted tool: streamed, the search stays and the refusal follows it", self.refused_streaming)
        checks.run("hosted tool: recorded with web_search judged untrusted", self.recorded)
        if checks.run("hosted tool: web_search marked trusted (PATCH dataIsTrustedByDefault)", self.trust_search):
            checks.run("hosted tool trusted: the same request returns the function_call", self.allowed)
            checks.run("hosted tool trusted: the same streamed request returns the function_call", self.allowed_streaming)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True, help="gateway root URL, e.g. http://127.0.0.1:9000")
    parser.add_argument("--expect-tool", required=True, help="tool name the reply calls when it is the only one declared")
    parser.add_argument("--expect-args", required=True, help="JSON object of that call's arguments")
    parser.add_argument("--fake-upstream", help="root URL of fake_upstream.py, when the gateway uses it")
    parser.add_argument("--refusal", action="store_true", help="accepted for run.sh; the refusal checks always run")
    parser.add_argument("--label", default="responses", help="prefix for the PASS/FAIL lines")
    options = parser.parse_args()

    print(f"openai SDK {openai.__version__} (Responses) against {options.gateway}", flush=True)
    checks = Checks(options.label)
    setup = Setup(options)
    PlainScenario(setup).run(checks)
    RefusalScenario(setup).run(checks)
    ChainScenario(setup).run(checks)
    if setup.fake:
        HostedToolScenario(setup).run(checks)
    sys.exit(checks.summary())


if __name__ == "__main__":
    main()
