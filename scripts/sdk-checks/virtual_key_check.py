#!/usr/bin/env python3
"""Virtual keys through the official SDKs, in front of the fake upstream.

Usage:
  virtual_key_check.py --gateway http://127.0.0.1:PORT --fake-upstream http://127.0.0.1:PORT [--label NAME]

Runs in the fake-upstream round only, against a gateway started with the
server-side provider keys SERVER_KEYS (run.sh sets them). Each SDK is built
exactly as README's "Quick start: give an application a key" shows, with a
virtual key (`sk-arch-…`) from `POST /api/keys`:

1. openai `chat.completions.create` and `responses.create`, anthropic
   `messages.create`, google-genai `generate_content` succeed; the upstream got
   the server's key in the vendor's header (Authorization Bearer / x-api-key /
   x-goog-api-key) and never the virtual key (headers or query); the
   interactions are recorded under the key's agent.
2. After `DELETE /api/keys/{id}` the same calls raise the SDK's authentication
   error (401) and nothing reaches the upstream.
3. A key whose agent was deleted (`DELETE /api/agents/{id}`) gets the same 401.
4. A junk key (not a virtual key): whatever the gateway does with it, the
   upstream never sees the server's key on those requests.

Each check prints PASS or FAIL; the last line is `N passed, N failed`, and the
exit status is non-zero when anything failed.
"""

import argparse
import json
import os
import sys
import time
import urllib.parse

import anthropic
import openai
from anthropic import Anthropic
from google import genai
from google.genai import errors as genai_errors
from openai import OpenAI

from checklib import RECORD_WAIT_SECONDS, Checks, expect_equal, get_json, request_json

# What run.sh gives the fake-upstream gateway as OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY.
SERVER_KEYS = {"openai": "sk-server-openai", "anthropic": "sk-ant-server", "gemini": "gk-server"}
JUNK_KEY = "not-a-key"
OPENAI_MODEL = "gpt-4o"
ANTHROPIC_MODEL = "claude-sonnet-4-6"
GEMINI_MODEL = "gemini-2.5-flash"
PROMPT = "What is the weather in Paris?"
AGENT_PREFIX = "sdk-check virtual key"

# A developer's own settings must not change which key or URL the SDKs use.
for _variable in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL",
                  "GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GEMINI_BASE_URL",
                  "GOOGLE_VERTEX_BASE_URL", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION"):
    os.environ.pop(_variable, None)

ADMIN_HEADERS = {"Content-Type": "application/json"}


class VirtualKeyScenario:
    def __init__(self, gateway, fake):
        self.gateway = gateway.rstrip("/")
        self.fake = fake.rstrip("/")
        self.keys = {}  # name -> {"id", "secret", "agentId"}

    # --- helpers ----------------------------------------------------------

    def clients(self, key):
        """The three SDK clients, built as README shows."""
        return (
            OpenAI(base_url=f"{self.gateway}/v1/openai", api_key=key, max_retries=0, timeout=30.0),
            Anthropic(base_url=f"{self.gateway}/v1/anthropic", api_key=key, max_retries=0, timeout=30.0),
            genai.Client(api_key=key, http_options={"base_url": f"{self.gateway}/v1/gemini"}),
        )

    def calls(self, key):
        """(name, vendor, function making the SDK call) for the four calls."""
        oa, an, gm = self.clients(key)
        return [
            ("openai chat.completions.create", "openai",
             lambda: oa.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": PROMPT}])),
            ("openai responses.create", "openai", lambda: oa.responses.create(model=OPENAI_MODEL, input=PROMPT)),
            ("anthropic messages.create", "anthropic",
             lambda: an.messages.create(model=ANTHROPIC_MODEL, max_tokens=64, messages=[{"role": "user", "content": PROMPT}])),
            ("gemini generate_content", "gemini", lambda: gm.models.generate_content(model=GEMINI_MODEL, contents=PROMPT)),
        ]

    def upstream_requests(self):
        return get_json(f"{self.fake}/__requests")

    def new_requests(self, before):
        return self.upstream_requests()[before:]

    def make_key(self, name):
        status, agent = request_json("POST", f"{self.gateway}/api/agents", {"name": f"{AGENT_PREFIX} {name}"}, ADMIN_HEADERS)
        assert status in (200, 201) and isinstance(agent, dict) and agent.get("id"), \
            f"POST /api/agents answered {status}: {agent!r}"
        status, key = request_json("POST", f"{self.gateway}/api/keys", {"agentId": agent["id"], "name": name}, ADMIN_HEADERS)
        assert status in (200, 201) and isinstance(key, dict), f"POST /api/keys answered {status}: {key!r}"
        secret = key.get("secret") or ""
        assert secret.startswith("sk-arch-"), f"POST /api/keys secret is not sk-arch-…: {secret!r}"
        assert key.get("id"), f"POST /api/keys answered no id: {key!r}"
        self.keys[name] = {"id": key["id"], "secret": secret, "agentId": agent["id"]}
        return self.keys[name]

    @staticmethod
    def vendor_key(request, vendor):
        headers = request["headers"]
        if vendor == "openai":
            value = headers.get("authorization") or ""
            return value[len("Bearer "):] if value.startswith("Bearer ") else value
        if vendor == "anthropic":
            return headers.get("x-api-key")
        return headers.get("x-goog-api-key")

    @staticmethod
    def visible(request):
        """Everything of a request but its body: headers and the query string."""
        return json.dumps(request["headers"]) + " " + urllib.parse.unquote(request["path"])

    def expect_401(self, key, what):
        """Each SDK call raises its authentication error and the upstream receives nothing."""
        problems = []
        for name, _vendor, call in self.calls(key):
            before = len(self.upstream_requests())
            try:
                call()
                problems.append(f"{name}: succeeded")
            except (openai.AuthenticationError, anthropic.AuthenticationError) as error:
                if error.status_code != 401:
                    problems.append(f"{name}: status {error.status_code}")
            except genai_errors.ClientError as error:
                if error.code != 401:
                    problems.append(f"{name}: ClientError code {error.code}: {error}")
            except Exception as error:  # any other error type is the wrong one
                problems.append(f"{name}: {type(error).__name__}: {error}")
            leaked = self.new_requests(before)
            if leaked:
                problems.append(f"{name}: upstream received {[(r['method'], r['path']) for r in leaked]}")
        assert not problems, f"{what}: " + "; ".join(problems)

    # --- checks -----------------------------------------------------------

    def valid_key_forwards_server_key(self):
        key = self.make_key("valid")
        problems = []
        for name, vendor, call in self.calls(key["secret"]):
            before = len(self.upstream_requests())
            call()
            received = self.new_requests(before)
            if len(received) != 1:
                problems.append(f"{name}: upstream received {len(received)} requests, expected 1")
            for request in received:
                got = self.vendor_key(request, vendor)
                if got != SERVER_KEYS[vendor]:
                    problems.append(f"{name}: upstream {vendor} key {got!r}, expected the server's {SERVER_KEYS[vendor]!r}")
                if key["secret"] in self.visible(request) or "sk-arch-" in self.visible(request):
                    problems.append(f"{name}: the virtual key reached the upstream: {self.visible(request)}")
        assert not problems, "; ".join(problems)

    def recorded_under_agent(self):
        key = self.keys.get("valid")
        assert key, "no valid key"
        agent = urllib.parse.quote(key["agentId"])
        deadline = time.monotonic() + RECORD_WAIT_SECONDS
        while True:
            page = get_json(f"{self.gateway}/api/interactions?agentId={agent}&limit=100")
            records = page["data"] if isinstance(page, dict) else page
            if len(records) >= 4 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        expect_equal(len(records), 4, f"interactions of the key's agent within {RECORD_WAIT_SECONDS}s")
        expect_equal({r.get("agentId") for r in records}, {key["agentId"]}, "recorded agentId")
        expect_equal(sorted(r.get("statusCode") for r in records), [200] * 4, "recorded statusCodes")
        text = json.dumps(records)
        assert key["secret"] not in text, "the virtual key appears in an interaction record"
        leaked = [v for v in SERVER_KEYS.values() if v in text]
        assert not leaked, f"a server key appears in an interaction record: {leaked}"

    def revoked_key_401(self):
        key = self.keys.get("valid")
        assert key, "no valid key"
        status, body = request_json("DELETE", f"{self.gateway}/api/keys/{key['id']}", None, ADMIN_HEADERS)
        assert 200 <= status < 300, f"DELETE /api/keys/{key['id']} answered {status}: {body!r}"
        self.expect_401(key["secret"], "revoked key")

    def deleted_agent_401(self):
        key = self.make_key("orphan")
        status, body = request_json("DELETE", f"{self.gateway}/api/agents/{key['agentId']}", None, ADMIN_HEADERS)
        assert 200 <= status < 300, f"DELETE /api/agents/{key['agentId']} answered {status}: {body!r}"
        self.expect_401(key["secret"], "key of a deleted agent")

    def junk_key_never_spends_server_key(self):
        problems = []
        for name, _vendor, call in self.calls(JUNK_KEY):
            before = len(self.upstream_requests())
            try:
                call()
            except Exception:  # refusing is fine; what matters is what went upstream
                pass
            for request in self.new_requests(before):
                seen = [v for v in SERVER_KEYS.values() if v in self.visible(request)]
                if seen:
                    problems.append(f"{name}: upstream received the server key {seen} for a junk key")
        assert not problems, "; ".join(problems)

    def run(self, checks):
        checks.run("virtual key: SDK calls succeed, upstream gets the server key, never the virtual key",
                   self.valid_key_forwards_server_key)
        checks.run("virtual key: interactions recorded under the key's agent", self.recorded_under_agent)
        checks.run("revoked key: SDKs raise their authentication error, nothing upstream", self.revoked_key_401)
        checks.run("key of a deleted agent: 401, nothing upstream", self.deleted_agent_401)
        checks.run("junk key: the server's keys are never spent", self.junk_key_never_spends_server_key)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--fake-upstream", required=True)
    parser.add_argument("--label", default="virtual-key")
    options, _ = parser.parse_known_args()
    checks = Checks(options.label)
    print(f"-- {options.label}: openai {openai.__version__}, anthropic {anthropic.__version__}, "
          f"google-genai {genai.__version__}", flush=True)
    VirtualKeyScenario(options.gateway, options.fake_upstream).run(checks)
    sys.exit(checks.summary())


if __name__ == "__main__":
    main()
