#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into Tests/Fuzz/<target>/seeds/ (run from anywhere; rewrites the files).

Seeds are small, valid examples of what each fuzzer's input means (see Sources/Fuzz/ArchestraFuzzChecks): JSON
texts; route inputs (a control byte, then a request target); provider streams behind a stream header (byte 0 =
number of cuts, then two little-endian bytes per cut, then the stream). libFuzzer mutates from there.
"""

import hashlib
import json
import os
import struct
import uuid

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fuzz")


def write(target, name, data):
    folder = os.path.join(ROOT, target, "seeds")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(data)


# --- json ---------------------------------------------------------------------------------------------------------
JSON_SEEDS = {
    "chunk": b'{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"H\\u00e9llo \\ud83d\\udc4b","refusal":null}}],"usage":null}',
    "numbers": b"[0,-0,1.5,-2.25e-7,1E400,123456789012345678901234567890,1e+21,0.000001,5e-324,9007199254740993]",
    "escapes": b'{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\\ud800x\\udc00\\uDBFF\\uDFFF","a":[true,false,null]}',
    "nested": b"[" * 40 + b"{}" + b"]" * 40,
    "whitespace": b' \t\r\n{ "k" : [ 1 , { } , [ ] , "" ] } \n',
    "utf8": '{"z\u00fcrich":"\u4e16\u754c \U0001F600 \u2028"}'.encode(),
    "scalar": b'"just a string"',
}

# --- route --------------------------------------------------------------------------------------------------------
PROVIDERS = {"openai": 0, "anthropic": 1, "gemini": 2}
METHODS = {"POST": 0, "GET": 1, "PUT": 2, "PATCH": 3, "DELETE": 4, "HEAD": 5, "OPTIONS": 6}
AGENT = str(uuid.UUID("0b4c0a6e-2f6d-4c59-9a51-9d8c7e6f5a41"))


def route(provider, method, rest, prefix=True, agent=False, forward=False):
    control = PROVIDERS[provider] | (4 if forward else 0) | (METHODS[method] << 3) | (0x40 if prefix else 0) | (0x80 if agent else 0)
    return bytes([control]) + rest.encode()


ROUTE_SEEDS = {
    "openai-chat": route("openai", "POST", "chat/completions"),
    "openai-chat-agent": route("openai", "POST", "chat/completions", agent=True),
    "openai-chat-bad-agent": route("openai", "POST", "not-a-uuid/chat/completions"),
    "openai-responses": route("openai", "POST", "responses"),
    "openai-cancel": route("openai", "POST", "responses/resp_1/cancel"),
    "openai-embeddings": route("openai", "POST", "embeddings?x=1"),
    "openai-images": route("openai", "POST", "images/generations"),
    "openai-completions": route("openai", "POST", "completions"),
    "openai-models": route("openai", "GET", "models"),
    "openai-dotdot": route("openai", "POST", "embeddings/../chat/completions"),
    "openai-percent": route("openai", "POST", "chat%2Fcompletions"),
    "openai-full": route("openai", "POST", "/v1/openai/" + AGENT + "/chat/completions", prefix=False),
    "anthropic-messages": route("anthropic", "POST", "v1/messages"),
    "anthropic-count": route("anthropic", "POST", "v1/messages/count_tokens", agent=True),
    "anthropic-batches": route("anthropic", "POST", "v1/messages/batches", forward=True),
    "gemini-generate": route("gemini", "POST", "v1beta/models/gemini-2.5-flash:generateContent"),
    "gemini-stream": route("gemini", "POST", "models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=k", agent=True),
    "gemini-stream-json": route("gemini", "POST", "models/gemini-2.5-flash:streamGenerateContent?alt=json"),
    "gemini-count": route("gemini", "POST", "v1/models/gemini-2.5-flash:countTokens"),
    "gemini-delete": route("gemini", "DELETE", "v1beta/files/abc"),
}

# --- streams ------------------------------------------------------------------------------------------------------
def stream(body, cuts=()):
    header = bytes([len(cuts)]) + b"".join(struct.pack("<H", cut) for cut in cuts)
    return header + body


def sse(events, line_end="\n", named=False):
    text = ""
    for event in events:
        name, data = event if named else (None, event)
        if name:
            text += f"event: {name}{line_end}"
        text += f"data: {data}{line_end}{line_end}"
    return text.encode()


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def openai_chunks():
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1760000123, "model": "gpt-4o"}
    deltas = [
        {"role": "assistant", "content": "", "refusal": None},
        {"content": "H\u00e9llo \U0001F44B"},
        {"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\": \"Z\u00fc"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": "rich\"}"}}]},
    ]
    chunks = [compact({**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]}) for d in deltas]
    chunks.append(compact({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}))
    chunks.append(compact({**base, "choices": [], "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99}}))
    return chunks + ["[DONE]"]


def openai_text_only():
    base = {"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o"}
    return [compact({**base, "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": "stop"}]}), "[DONE]"]


def anthropic_events():
    return [
        ("message_start", compact({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude", "content": [], "usage": {"input_tokens": 10, "output_tokens": 1}}})),
        ("ping", '{"type": "ping"}'),
        ("content_block_start", compact({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})),
        ("content_block_delta", compact({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Z\u00fcrich \U0001F324"}})),
        ("content_block_stop", compact({"type": "content_block_stop", "index": 0})),
        ("content_block_start", compact({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}})),
        ("content_block_delta", compact({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"location\": \"Z"}})),
        ("content_block_delta", compact({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "\u00fcrich\"}"}})),
        ("content_block_stop", compact({"type": "content_block_stop", "index": 1})),
        ("message_delta", compact({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None}, "usage": {"output_tokens": 89}})),
        ("message_stop", compact({"type": "message_stop"})),
    ]


def gemini_chunks():
    meta = {"usageMetadata": {"promptTokenCount": 61, "totalTokenCount": 70}, "modelVersion": "gemini-2.5-flash"}
    return [
        json.dumps({"candidates": [{"content": {"parts": [{"text": "Let me look"}], "role": "model"}, "index": 0}], **meta}, ensure_ascii=False),
        json.dumps({"candidates": [{"content": {"parts": [{"text": " \u2014 Z\u00fcrich"}], "role": "model"}, "index": 0}], **meta}, ensure_ascii=False),
        json.dumps({"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather", "args": {"location": "Z\u00fcrich", "days": 3}}}], "role": "model"}, "finishReason": "STOP", "index": 0}], **meta}, ensure_ascii=False),
    ]


def main():
    for name, data in JSON_SEEDS.items():
        write("json", name, data)
    for name, data in ROUTE_SEEDS.items():
        write("route", name, data)
    openai = sse(openai_chunks())
    write("stream-openai", "tool-call", stream(openai))
    write("stream-openai", "tool-call-cut", stream(openai, cuts=(1, 57, 200, 333, 334, 500)))
    write("stream-openai", "tool-call-crlf", stream(sse(openai_chunks(), line_end="\r\n"), cuts=(100,)))
    write("stream-openai", "text-only-cr", stream(b": keep-alive\r\r" + sse(openai_text_only(), line_end="\r"), cuts=(3, 4)))
    anthropic = sse(anthropic_events(), named=True)
    write("stream-anthropic", "tool-call", stream(anthropic))
    write("stream-anthropic", "tool-call-cut", stream(anthropic, cuts=(7, 300, 301, 640)))
    write("stream-anthropic", "text-only", stream(sse(anthropic_events()[:5] + anthropic_events()[-2:], named=True)))
    gemini = sse(gemini_chunks(), line_end="\r\n")
    write("stream-gemini", "tool-call", stream(gemini))
    write("stream-gemini", "tool-call-cut", stream(gemini, cuts=(1, 150, 151, 152, 400)))
    write("stream-gemini", "text-only", stream(sse(gemini_chunks()[:2])))


if __name__ == "__main__":
    main()
