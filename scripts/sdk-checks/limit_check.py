#!/usr/bin/env python3
"""Usage limits through the official SDKs, in front of the fake upstream.

Usage:
  limit_check.py --gateway http://127.0.0.1:PORT --fake-upstream http://127.0.0.1:PORT [--label NAME]

Runs in the fake-upstream round, after virtual_key_check.py, against the same
gateway (server-side provider keys set). An application with its own virtual
key gets a token budget of 20 tokens a day (`POST /api/limits`):

1. A first call passes and uses the budget up (the fake upstream reports more
   than 20 tokens).
2. Then openai `chat.completions.create` and `responses.create`, anthropic
   `messages.create` and google-genai `generate_content` each raise the SDK's
   own rate-limit error (openai.RateLimitError, anthropic.RateLimitError,
   google.genai ClientError 429), whose response carries `Retry-After`;
   nothing reaches the upstream.
3. The refusals are recorded under the agent (status 429, the message naming
   the limit) and counted in archestra_limit_rejections_total.
4. Raising the budget through the API lets the next call through at once.

Each check prints PASS or FAIL; the last line is `N passed, N failed`, and the
exit status is non-zero when anything failed.
"""

import argparse
import sys
import time
import urllib.parse
import urllib.request

import anthropic
import openai
from google import genai
from google.genai import errors as genai_errors

from checklib import RECORD_WAIT_SECONDS, Checks, expect_equal, get_json, request_json
from virtual_key_check import ADMIN_HEADERS, VirtualKeyScenario

BUDGET = 20


class LimitScenario(VirtualKeyScenario):
    def __init__(self, gateway, fake):
        super().__init__(gateway, fake)
        self.key = None
        self.limit = None

    def budget_used_up(self):
        self.key = self.make_key("limited")
        status, limit = request_json("POST", f"{self.gateway}/api/limits",
                                     {"agentId": self.key["agentId"], "kind": "tokens_per_day", "value": BUDGET},
                                     ADMIN_HEADERS)
        assert status == 201 and isinstance(limit, dict), f"POST /api/limits answered {status}: {limit!r}"
        self.limit = limit
        name, _vendor, call = self.calls(self.key["secret"])[0]
        reply = call()
        used = reply.usage.total_tokens
        assert used > BUDGET, f"{name}: the first call used {used} tokens, not more than the budget of {BUDGET}"

    def sdks_raise_rate_limit_errors(self):
        assert self.key, "no key"
        problems = []
        for name, _vendor, call in self.calls(self.key["secret"]):
            before = len(self.upstream_requests())
            try:
                call()
                problems.append(f"{name}: succeeded over the budget")
            except (openai.RateLimitError, anthropic.RateLimitError) as error:
                retry_after = error.response.headers.get("retry-after", "")
                if error.status_code != 429 or not retry_after.isdigit() or int(retry_after) < 1:
                    problems.append(f"{name}: status {error.status_code}, Retry-After {retry_after!r}")
                if "tokens per day" not in str(error):
                    problems.append(f"{name}: the message does not name the limit: {error}")
            except genai_errors.ClientError as error:
                if error.code != 429 or error.status != "RESOURCE_EXHAUSTED":
                    problems.append(f"{name}: ClientError {error.code} {error.status}: {error}")
            except Exception as error:  # any other error type is the wrong one
                problems.append(f"{name}: {type(error).__name__}: {error}")
            leaked = self.new_requests(before)
            if leaked:
                problems.append(f"{name}: upstream received {[(r['method'], r['path']) for r in leaked]}")
        assert not problems, "; ".join(problems)

    def refusals_recorded_and_counted(self):
        assert self.key, "no key"
        agent = urllib.parse.quote(self.key["agentId"])
        deadline = time.monotonic() + RECORD_WAIT_SECONDS
        while True:
            page = get_json(f"{self.gateway}/api/interactions?agentId={agent}&limit=100")
            refused = [r for r in page["data"] if r.get("statusCode") == 429]
            if len(refused) >= 4 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        expect_equal(len(refused), 4, f"interactions with status 429 within {RECORD_WAIT_SECONDS}s")
        for record in refused:
            text = str(record.get("response"))
            assert self.limit["id"] in text, f"a recorded refusal does not name the limit: {text[:300]}"
        with urllib.request.urlopen(f"{self.gateway}/metrics", timeout=10) as response:
            metrics = response.read().decode()
        wanted = f'archestra_limit_rejections_total{{agent_id="{self.key["agentId"]}",kind="tokens_per_day"}} 4'
        assert wanted in metrics, f"/metrics lacks {wanted}"

    def raised_budget_applies_at_once(self):
        assert self.limit, "no limit"
        status, body = request_json("PUT", f"{self.gateway}/api/limits/{self.limit['id']}", {"value": 1_000_000}, ADMIN_HEADERS)
        assert status == 200, f"PUT /api/limits answered {status}: {body!r}"
        name, _vendor, call = self.calls(self.key["secret"])[0]
        call()

    def run(self, checks):
        checks.run("limit: a first call uses the agent's token budget up", self.budget_used_up)
        checks.run("limit: every SDK raises its rate-limit error with Retry-After, nothing upstream",
                   self.sdks_raise_rate_limit_errors)
        checks.run("limit: refusals recorded (429, naming the limit) and counted", self.refusals_recorded_and_counted)
        checks.run("limit: a raised budget applies to the next call", self.raised_budget_applies_at_once)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--fake-upstream", required=True)
    parser.add_argument("--label", default="limit")
    options, _ = parser.parse_known_args()
    checks = Checks(options.label)
    print(f"-- {options.label}: openai {openai.__version__}, anthropic {anthropic.__version__}, "
          f"google-genai {genai.__version__}", flush=True)
    LimitScenario(options.gateway, options.fake_upstream).run(checks)
    sys.exit(checks.summary())


if __name__ == "__main__":
    main()
