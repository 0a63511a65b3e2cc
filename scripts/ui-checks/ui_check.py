#!/usr/bin/env python3
"""The web UI in a real browser: Debian's headless Chromium driven by Playwright.

Usage: ui_check.py --mock URL --upstream URL --fake-upstream URL --auth URL --token TOKEN
                   [--screenshots DIR] [--chromium PATH]

Three gateways, started by run.sh:
- --mock: benchmark mock mode (every pipeline request is answered with the
  canned list_files call). The operator journey: create an agent and a key in
  the UI, send a conversation holding an untrusted e-mail through the proxy
  with the openai SDK, watch it arrive refused in the logs page's live tail
  (no reload), open its detail, try the e-mail tool's result in the policy
  tester, add a trusted-data policy from the tool's page, test again, resend,
  watch the call arrive allowed. Every page is photographed on the way.
- --upstream: in front of fake_upstream.py, whose reply echoes the request's
  last tool result as the model's text. The XSS check: hostile markup in an
  agent name, tool names and descriptions, policy values, the Dual LLM
  settings, user and session ids, a user message, a tool result and the model
  reply is shown as text on every page and runs nothing (no dialog, no console
  error, no CSP violation, no injected element).
- --auth: ARCHESTRA_ADMIN_TOKEN=TOKEN. Log in and out: a page redirects to
  /ui/login?next=..., a wrong token is refused, the right one lands on next
  with an HttpOnly SameSite=Strict cookie, logging out returns to the login.

  After the journey, on the same gateway: an interaction's tokens and cost in
  the logs table and its detail, spend per agent and per model on the
  overview, a limit set on the agent's page turning the next request into the
  SDK's RateLimitError (a bad value refused on the page, clearing it removing
  it), a price changed on the costs page pricing the next request, deleting it
  restoring the built-in price.

Screenshots (1280 px wide, whole page) go to DIR (default docs/screenshots):
overview, agents, agent, tools, tool, logs, log, dual-llm, connect, costs, login.
Last line: `N passed, N failed`.
"""

import argparse
import json
import os
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts", "sdk-checks"))

from checklib import (  # noqa: E402  (the shared check runner and the refusal the gateway answers)
    EMAIL_TOOL,
    EMAIL_TOOL_DESCRIPTION,
    EMAIL_TOOL_SCHEMA,
    MOCK_ARGS,
    MOCK_REFUSAL_CONTENT,
    MOCK_TOOL,
    MOCK_TOOL_DESCRIPTION,
    MOCK_TOOL_SCHEMA,
    UNTRUSTED_REASON,
    Checks,
    expect_equal,
    request_json,
)
import openai  # noqa: E402
from openai import OpenAI  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

WIDTH = 1280
WAIT_MS = 10_000
MODEL = "gpt-4o"

# The e-mail of the journey: from the company's own domain, so one trusted-data policy makes it trusted.
COMPANY_DOMAIN = "@company.example"
EMAIL = {
    "emails": [
        {
            "from": "ceo" + COMPANY_DOMAIN,
            "subject": "Quarterly numbers",
            "body": "Please list the files in the shared folder before our meeting.",
        }
    ]
}

# Markup that would run if a page wrote it unescaped. Each part is checked literally on the pages.
HOSTILE_PARTS = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img')>",
    "<a href=\"javascript:alert('xss-link')\">xss-link</a>",
    "\"><svg onload=alert('xss-attr')>",
]
HOSTILE = " ".join(HOSTILE_PARTS)
# Elements and attributes that only an injection could have put there: no template has them.
INJECTED = "img, iframe, object, embed, svg[onload], [onerror], [onload], [onmouseover], [onclick], [onfocus], a[href^='javascript:' i]"


def conversation(user, tool_name, result, tool_call_id="call_mail"):
    """A user request, the assistant's call of `tool_name`, and the tool's answer."""
    return [
        {"role": "user", "content": user},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": tool_call_id, "type": "function", "function": {"name": tool_name, "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": tool_call_id, "content": result},
    ]


def function(name, description, parameters):
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


class Watch:
    """What a page must never do: open a dialog, log an error, break its Content-Security-Policy."""

    # Collects CSP violations in the page itself; Playwright injects it outside the page's CSP.
    INIT_SCRIPT = """
        window.__cspViolations = [];
        document.addEventListener("securitypolicyviolation", e => {
            window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
        });
    """

    def __init__(self):
        self.problems = []

    def attach(self, page):
        page.add_init_script(self.INIT_SCRIPT)
        page.on("dialog", self._dialog)
        page.on("console", lambda message: message.type == "error" and self.problems.append(f"console error: {message.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        return page

    def _dialog(self, dialog):
        self.problems.append(f"dialog ({dialog.type}): {dialog.message}")
        dialog.dismiss()

    def check(self, page, where):
        """No problem so far on any watched page, and no CSP violation on this one."""
        violations = page.evaluate("window.__cspViolations || []")
        problems = self.problems + [f"CSP violation: {v}" for v in violations]
        self.problems = []
        assert not problems, f"{where}: " + "; ".join(problems)


class UIChecks:
    def __init__(self, options, browser):
        self.options = options
        self.browser = browser
        self.screenshots = options.screenshots
        os.makedirs(self.screenshots, exist_ok=True)
        self.watch = Watch()

    def new_page(self, context=None):
        context = context or self.browser.new_context(viewport={"width": WIDTH, "height": 800})
        return self.watch.attach(context.new_page())

    def shoot(self, page, name):
        page.set_viewport_size({"width": WIDTH, "height": 800})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"{name}: the page is {width} px wide at a {WIDTH} px window (it scrolls sideways)"
        page.screenshot(path=os.path.join(self.screenshots, f"{name}.png"), full_page=True)
        assert os.path.getsize(os.path.join(self.screenshots, f"{name}.png")) > 10_000, f"screenshot {name} is empty"


class Journey(UIChecks):
    """The operator journey on the mock-mode gateway, photographing every page."""

    def __init__(self, options, browser):
        super().__init__(options, browser)
        self.gateway = options.mock.rstrip("/")
        self.page = self.new_page()
        self.logs = None
        self.agent_id = None
        self.secret = None
        self.refused_row = None

    def steps(self):
        return [
            ("journey: create an agent on the agents page", self.create_agent),
            ("journey: create a key; its secret is shown once", self.create_key),
            ("journey: the logs page opens its live tail", self.open_logs),
            ("journey: a tainted request through the proxy (openai SDK) is refused", self.send_refused),
            ("journey: the refusal appears in the live tail without a reload", self.see_refused),
            ("journey: its detail shows the untrusted e-mail and the refused call", self.open_detail),
            ("journey: the tools page lists the tools the agent declared", self.open_tools),
            ("journey: the policy tester judges the recent e-mail untrusted", self.test_untrusted),
            ("journey: a trusted-data policy is added on the tool's page", self.add_policy),
            ("journey: the policy tester now judges the e-mail trusted", self.test_trusted),
            ("journey: the same request is now allowed and appears live", self.send_allowed),
            ("journey: overview, agents, Dual LLM and connect pages", self.other_pages),
        ]

    def create_agent(self):
        page = self.page
        page.goto(self.gateway + "/")
        page.get_by_role("link", name="Agents", exact=True).click()
        page.wait_for_url("**/ui/agents")
        page.locator("form[action='/ui/agents'] input[name=name]").fill("Mail assistant")
        page.locator("form[action='/ui/agents'] button").click()
        page.wait_for_url("**/ui/agents/*")
        self.agent_id = page.url.rsplit("/", 1)[-1]
        expect_equal(page.locator("h1").inner_text(), "Mail assistant", "agent page heading")
        self.watch.check(page, "agent page")

    def create_key(self):
        page = self.page
        page.locator("form[action$='/keys'] input[name=name]").fill("laptop")
        page.locator("form[action$='/keys'] button").click()
        secret = page.locator("#new-secret")
        secret.wait_for(timeout=WAIT_MS)
        self.secret = secret.inner_text()
        assert self.secret.startswith("sk-arch-"), f"secret {self.secret!r}"
        self.shoot(page, "agent")
        self.watch.check(page, "key created")
        page.goto(f"{self.gateway}/ui/agents/{self.agent_id}")
        assert self.secret not in page.content(), "the secret is shown once only"
        assert page.locator("td", has_text="laptop").count() == 1, "the key is listed"

    def open_logs(self):
        self.logs = self.new_page()
        self.logs.goto(self.gateway + "/ui/logs")
        self.logs.locator("#live-status").wait_for(timeout=WAIT_MS)
        # A value that survives only as long as the page is not reloaded.
        self.logs.evaluate("window.__sameDocument = 'journey'")
        self.watch.check(self.logs, "logs page")

    def client(self):
        return OpenAI(base_url=f"{self.gateway}/v1/openai", api_key=self.secret, max_retries=0, timeout=30.0)

    def send(self):
        return self.client().chat.completions.create(
            model=MODEL,
            messages=conversation("What does my latest e-mail ask for?", EMAIL_TOOL, json.dumps(EMAIL)),
            tools=[function(EMAIL_TOOL, EMAIL_TOOL_DESCRIPTION, EMAIL_TOOL_SCHEMA), function(MOCK_TOOL, MOCK_TOOL_DESCRIPTION, MOCK_TOOL_SCHEMA)],
        )

    def send_refused(self):
        message = self.send().choices[0].message
        expect_equal(message.content, MOCK_REFUSAL_CONTENT, "the refusal")
        expect_equal(message.tool_calls, None, "tool calls")

    def wait_live_row(self, text):
        row = self.logs.locator("#log-rows tr", has_text=text).first
        try:
            row.wait_for(timeout=WAIT_MS)
        except PlaywrightTimeout:
            raise AssertionError(f"no row with {text!r} arrived on the open logs page within {WAIT_MS // 1000} s") from None
        expect_equal(self.logs.evaluate("window.__sameDocument"), "journey", "the logs page was not reloaded")
        assert "fresh" in (row.get_attribute("class") or ""), "the row came from the live tail"
        return row

    def see_refused(self):
        self.refused_row = self.wait_live_row(f"{MOCK_TOOL} refused")
        expect_equal(self.logs.locator("#log-count").inner_text(), "1 interaction", "the count the live tail keeps")
        assert "Mail assistant" in self.refused_row.inner_text()
        self.watch.check(self.logs, "live refusal")

    def open_detail(self):
        # Opened in the other tab, so the logs page stays live for the rest of the journey.
        detail = self.page
        detail.goto(self.gateway + self.refused_row.locator("a").first.get_attribute("href"))
        assert "/ui/logs/" in detail.url
        reply = detail.locator("section").filter(has=detail.locator("h2", has_text="Reply"))
        reply.locator(".badge.refused").first.wait_for(timeout=WAIT_MS)
        assert UNTRUSTED_REASON in reply.inner_text(), "the refusal's reason"
        result = detail.locator("li.result").first
        assert EMAIL_TOOL in result.inner_text() and "untrusted" in result.inner_text(), result.inner_text()
        self.shoot(detail, "log")
        self.watch.check(detail, "log detail")

    def open_tools(self):
        page = self.page
        page.get_by_role("link", name="Tools & policies").click()
        page.wait_for_url("**/ui/tools")
        for name in (EMAIL_TOOL, MOCK_TOOL):
            assert page.get_by_role("link", name=name, exact=True).count() == 1, f"{name} listed"
        self.shoot(page, "tools")
        self.watch.check(page, "tools page")
        page.get_by_role("link", name=EMAIL_TOOL, exact=True).click()
        page.wait_for_url("**/ui/tools/*")

    def judge_recent(self, verdict):
        page = self.page
        options = page.locator("select[name=recent] option")
        assert options.count() >= 2, "a recent result to pick"
        page.locator("select[name=recent]").select_option(index=1)
        with page.expect_navigation():
            page.get_by_role("button", name="Judge the result").click()
        badge = page.locator("#tester .outcome .badge").first
        badge.wait_for(timeout=WAIT_MS)
        expect_equal(badge.inner_text(), verdict, "the tester's verdict")
        assert COMPANY_DOMAIN in page.locator("textarea[name=sample]").input_value(), "the picked result fills the sample"

    def test_untrusted(self):
        self.judge_recent("untrusted")
        self.watch.check(self.page, "tester")

    def add_policy(self):
        form = self.page.locator("#new-trusted")
        form.locator("input[name=path]").fill("emails[*].from")
        form.locator("select[name=operator]").select_option("endsWith")
        form.locator("input[name=value]").fill(COMPANY_DOMAIN)
        form.locator("select[name=action]").select_option("mark_as_trusted")
        form.locator("input[name=text]").fill("Mail from our own domain")
        form.get_by_role("button", name="Add policy").click()
        saved = self.page.locator("form[id^='trusted-'] input[name=value]")
        saved.wait_for(timeout=WAIT_MS)
        expect_equal(saved.input_value(), COMPANY_DOMAIN, "the saved policy's value")
        invocation = self.page.locator("#new-invocation")
        invocation.locator("input[name=path]").fill("folder")
        invocation.locator("select[name=operator]").select_option("equal")
        invocation.locator("input[name=value]").fill("inbox")
        invocation.locator("input[name=text]").fill("Reading the inbox is fine")
        invocation.get_by_role("button", name="Add policy").click()
        self.page.locator("form[id^='invocation-']").wait_for(timeout=WAIT_MS)
        self.watch.check(self.page, "policy added")

    def test_trusted(self):
        self.judge_recent("trusted")
        row = self.page.locator("#tester .outcome tbody tr").first
        assert "yes" in row.inner_text(), f"the policy matched: {row.inner_text()}"
        # Everything in the result form stays left of the call form.
        right = self.page.evaluate("""() => {
            const [result, call] = document.querySelectorAll('#tester form');
            const edge = Math.max(...[result, ...result.querySelectorAll('*')].map(e => e.getBoundingClientRect().right));
            return [edge, call.getBoundingClientRect().left];
        }""")
        assert right[0] <= right[1] + 1, f"the tester's result form reaches x={right[0]}, over the call form at x={right[1]}"
        self.shoot(self.page, "tool")
        self.watch.check(self.page, "tester after the policy")

    def send_allowed(self):
        choice = self.send().choices[0]
        expect_equal(choice.finish_reason, "tool_calls", "finish_reason")
        calls = [(c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls or []]
        expect_equal(calls, [(MOCK_TOOL, MOCK_ARGS)], "the call now allowed")
        self.wait_live_row(f"{MOCK_TOOL} allowed")
        expect_equal(self.logs.locator("#log-rows tr").count(), 2, "rows on the logs page")
        expect_equal(self.logs.locator("#log-count").inner_text(), "2 interactions", "the count the live tail keeps")
        self.shoot(self.logs, "logs")
        self.watch.check(self.logs, "live allowed")

    def other_pages(self):
        page = self.page
        for path, name, heading in [
            ("/", "overview", "Overview"), ("/ui/agents", "agents", "Agents"), ("/ui/dual-llm", "dual-llm", "Dual LLM"),
            ("/ui/connect", "connect", "Connect"),
        ]:
            page.goto(self.gateway + path)
            expect_equal(page.locator("h1").first.inner_text(), heading, f"{path} heading")
            self.shoot(page, name)
            self.watch.check(page, path)
        page.goto(self.gateway + "/")
        assert "Mail assistant" in page.locator("body").inner_text(), "the overview counts the agent"


class Costs(UIChecks):
    """Cost, tokens and limits in the UI, on the mock-mode gateway after the journey (whose requests it prices)."""

    # What the mock's reply costs at gpt-4o's built-in price: 82 input tokens at $2.50 and 17 output at $10 a million.
    MOCK_TOKENS = "99"
    MOCK_COST = "$0.000375"

    def __init__(self, options, browser):
        super().__init__(options, browser)
        self.gateway = options.mock.rstrip("/")
        self.page = self.new_page()
        self.agent_id = None
        self.secret = None

    def steps(self):
        return [
            ("costs: the logs table and an interaction's detail show its tokens and cost", self.logs_show_cost),
            ("costs: the overview charts spend per agent and per model", self.overview_spend),
            ("costs: a limit set on the agent's page refuses the next request with the SDK's rate-limit error", self.agent_limit),
            ("costs: a bad limit value is refused on the page, naming the problem", self.bad_limit),
            ("costs: clearing the limit removes it", self.clear_limit),
            ("costs: a price changed on the costs page prices the next request", self.change_price),
            ("costs: deleting the operator's price restores the built-in one", self.restore_price),
        ]

    def api(self, method, path, body=None):
        status, answer = request_json(method, self.gateway + path, body, {"Content-Type": "application/json"})
        assert 200 <= status < 300, f"{method} {path} answered {status}: {answer!r}"
        return answer

    def make_agent(self):
        agent = self.api("POST", "/api/agents", {"name": "Budgeted agent"})
        self.agent_id = agent["id"]
        self.secret = self.api("POST", "/api/keys", {"agentId": self.agent_id, "name": "costs"})["secret"]

    def send(self):
        client = OpenAI(base_url=f"{self.gateway}/v1/openai", api_key=self.secret, max_retries=0, timeout=30.0)
        return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "List my files"}])

    def newest_row(self):
        page = self.page
        page.goto(f"{self.gateway}/ui/logs?agentId={self.agent_id}")
        row = page.locator("#log-rows tr").first
        row.wait_for(timeout=WAIT_MS)
        return row

    def logs_show_cost(self):
        self.make_agent()
        self.send()
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:
            page = self.api("GET", f"/api/interactions?agentId={self.agent_id}")
            if page["data"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        cells = [c.strip() for c in self.newest_row().locator("td.num").all_inner_texts()]
        assert self.MOCK_TOKENS in cells and self.MOCK_COST in cells, f"the row's numbers {cells}"
        header = self.page.locator("thead th").all_inner_texts()
        assert "Tokens" in header and "Cost" in header, f"the table's columns {header}"
        self.page.locator("#log-rows tr a").first.click()
        self.page.wait_for_url("**/ui/logs/*")
        usage = self.page.locator("section").filter(has=self.page.locator("h2", has_text="Usage and cost"))
        expect_equal(usage.locator(".total-cost").inner_text(), self.MOCK_COST, "the detail's total cost")
        assert "82" in usage.inner_text() and "17" in usage.inner_text(), usage.inner_text()
        self.watch.check(self.page, "log detail usage")

    def overview_spend(self):
        page = self.page
        page.goto(self.gateway + "/")
        for title in ("Spend by agent", "Spend by model"):
            chart = page.locator(f"svg.spend[aria-label='{title}']")
            chart.wait_for(timeout=WAIT_MS)
            assert chart.locator("rect.bar").count() >= 1, f"{title}: no bars"
        by_agent = page.locator("svg.spend[aria-label='Spend by agent']").text_content()
        assert "Budgeted agent" in by_agent and "$" in by_agent, by_agent
        assert MODEL in page.locator("svg.spend[aria-label='Spend by model']").text_content()
        cards = page.locator(".cards").inner_text()
        assert "spent" in cards and "tokens" in cards, cards
        self.shoot(page, "overview")
        self.watch.check(page, "overview spend")

    def limits_form(self):
        page = self.page
        page.goto(f"{self.gateway}/ui/agents/{self.agent_id}")
        return page.locator("#limits form")

    def agent_limit(self):
        form = self.limits_form()
        form.locator("input[name=requests_per_minute]").fill("1")
        form.get_by_role("button", name="Save limits").click()
        self.page.wait_for_url("**/ui/agents/*")
        limits = self.api("GET", f"/api/limits?agentId={self.agent_id}")
        expect_equal([(l["kind"], l["value"]) for l in limits], [("requests_per_minute", 1)], "the agent's limits")
        refused = None
        for _ in range(2):  # the first may still fit in this minute
            try:
                self.send()
            except openai.RateLimitError as error:
                refused = error
                break
        assert refused is not None, "no request was refused over a limit of 1 request per minute"
        assert refused.response.headers.get("retry-after", "").isdigit(), "Retry-After"
        form = self.limits_form()
        expect_equal(form.locator("input[name=requests_per_minute]").input_value(), "1", "the saved value")
        self.shoot(self.page, "agent")
        self.watch.check(self.page, "agent limits")

    def bad_limit(self):
        form = self.limits_form()
        form.locator("input[name=tokens_per_day]").evaluate("e => e.removeAttribute('min')")
        form.locator("input[name=tokens_per_day]").fill("-5")
        with self.page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/limits")) as response:
            form.get_by_role("button", name="Save limits").click()
        expect_equal(response.value.status, 400, "status of a refused limit")
        error = self.page.locator("#limits .error")
        error.wait_for(timeout=WAIT_MS)
        assert "positive" in error.inner_text(), error.inner_text()
        self.watch.problems = [p for p in self.watch.problems if "400" not in p]  # the browser logs the 400 itself
        self.watch.check(self.page, "bad limit")

    def clear_limit(self):
        form = self.limits_form()
        form.locator("input[name=requests_per_minute]").fill("")
        form.locator("input[name=tokens_per_day]").fill("")
        form.get_by_role("button", name="Save limits").click()
        self.page.wait_for_url("**/ui/agents/*")
        expect_equal(self.api("GET", f"/api/limits?agentId={self.agent_id}"), [], "the agent's limits after clearing")
        self.send()

    def price_row(self):
        page = self.page
        page.goto(self.gateway + "/ui/costs")
        prices = self.api("GET", "/api/token-prices")
        price = next(p for p in prices if p["model"] == MODEL)
        return price, page.locator(f"#price-{price['id']}")

    def change_price(self):
        price, row = self.price_row()
        row.locator("input[name=inputPerMillion]").fill("5")
        row.get_by_role("button", name="Save").click()
        self.page.wait_for_url("**/ui/costs*")
        changed = self.api("GET", f"/api/token-prices/{price['id']}")
        expect_equal((changed["inputPerMillion"], changed["builtIn"]), (5, False), "the changed price")
        self.send()
        # 82 × $5 + 17 × $10 a million.
        deadline = time.monotonic() + WAIT_MS / 1000
        while "$0.00058" not in self.newest_row().inner_text():
            assert time.monotonic() < deadline, f"the newest row does not cost $0.00058: {self.newest_row().inner_text()}"
            time.sleep(0.1)
        self.page.goto(self.gateway + "/ui/costs")
        self.shoot(self.page, "costs")
        self.watch.check(self.page, "costs page")

    def restore_price(self):
        price, row = self.price_row()
        row.get_by_role("button", name="Delete").click()
        self.page.wait_for_url("**/ui/costs*")
        restored = self.api("GET", f"/api/token-prices/{price['id']}")
        expect_equal((restored["inputPerMillion"], restored["builtIn"]), (2.5, True), "the built-in price again")


class Hostile(UIChecks):
    """Hostile markup everywhere a value can come from, on the gateway in front of the fake upstream."""

    def __init__(self, options, browser):
        super().__init__(options, browser)
        self.gateway = options.upstream.rstrip("/")
        self.page = self.new_page()
        self.agent_id = None
        self.pages = []

    def steps(self):
        return [
            ("xss: hostile agent, tool, key, policies, Dual LLM settings and price source stored through the API", self.store),
            ("xss: a hostile conversation and model reply arrive in the live tail as text", self.live_row),
            ("xss: every page shows the hostile text literally and runs none of it", self.every_page),
        ]

    def api(self, method, path, body):
        status, answer = request_json(method, self.gateway + path, body)
        assert status in (200, 201), f"{method} {path} answered {status}: {answer!r}"
        return answer

    def store(self):
        self.agent_id = self.api("POST", "/api/agents", {"name": "Agent " + HOSTILE})["id"]
        self.api("POST", "/api/keys", {"agentId": self.agent_id, "name": "key " + HOSTILE})
        tool = self.api("POST", "/api/tools", {"agentId": self.agent_id, "name": "fetch_page", "description": HOSTILE})
        # The page tool's results are trusted, so the model's reply (and its call) pass through unrefused.
        self.api("PATCH", f"/api/tools/{tool['id']}", {"dataIsTrustedByDefault": True})
        self.api("POST", "/api/trusted-data-policies", {
            "toolId": tool["id"], "description": HOSTILE, "attributePath": "html", "operator": "contains", "value": HOSTILE,
            "action": "block_always",
        })
        self.api("POST", "/api/autonomy-policies/tool-invocation", {
            "toolId": tool["id"], "argumentName": "url", "operator": "startsWith", "value": HOSTILE,
            "action": "allow_when_context_is_untrusted", "reason": HOSTILE,
        })
        config = self.api("GET", "/api/dual-llm-config/default", None)
        self.api("PUT", f"/api/dual-llm-config/{config['id']}", {"model": HOSTILE, "summaryPrompt": HOSTILE})
        # A price's source is free text (model names are restricted to a safe alphabet).
        self.api("POST", "/api/token-prices", {"model": "xss-model", "inputPerMillion": 1, "outputPerMillion": 1, "source": HOSTILE})
        self.pages += [f"/ui/agents/{self.agent_id}", f"/ui/agents/{self.agent_id}/delete", f"/ui/tools/{tool['id']}"]

    def live_row(self):
        page = self.page
        page.goto(self.gateway + "/ui/logs")
        page.locator("#live-status").wait_for(timeout=WAIT_MS)
        client = OpenAI(
            base_url=f"{self.gateway}/v1/openai/{self.agent_id}", api_key="sk-client-own-key", max_retries=0, timeout=30.0,
            default_headers={"X-Archestra-User-Id": HOSTILE, "X-Archestra-Session-Id": HOSTILE},
        )
        completion = client.chat.completions.create(
            model=MODEL,
            messages=conversation(HOSTILE, "fetch_page", HOSTILE, tool_call_id="call_page"),
            tools=[function("fetch_page", HOSTILE, {"type": "object"}), function("tool " + HOSTILE[:100], HOSTILE, {"type": "object"})],
        )
        expect_equal(completion.choices[0].message.content, HOSTILE, "the fake upstream's reply echoes the tool result")
        row = page.locator("#log-rows tr.fresh").first
        try:
            row.wait_for(timeout=WAIT_MS)
        except PlaywrightTimeout:
            raise AssertionError(f"no row arrived on the open logs page within {WAIT_MS // 1000} s") from None
        self.expect_literal(page, "live row")
        self.pages.append(f"/ui/logs/{row.get_attribute('data-id')}")
        self.watch.check(page, "live row")

    def expect_literal(self, page, where):
        """The hostile parts are visible as text, and no element was injected."""
        # What a person sees: the page's text and what its form fields hold.
        text = page.evaluate(
            "document.body.innerText + '\\n' + [...document.querySelectorAll('input, textarea')].map(e => e.value).join('\\n')"
        )
        for part in HOSTILE_PARTS:
            assert part in text, f"{where}: {part!r} is not shown as text"
        injected = page.locator(INJECTED)
        assert injected.count() == 0, f"{where}: injected elements {injected.first.evaluate('e => e.outerHTML')}"
        scripts = page.locator("script")
        expect_equal(scripts.count(), 1, f"{where}: script elements")
        expect_equal(scripts.first.get_attribute("src"), "/ui/static/app.js", f"{where}: the only script")

    def every_page(self):
        page = self.page
        session = urllib.parse.quote(HOSTILE, safe="")
        for path in ["/", "/ui/agents"] + self.pages + ["/ui/tools", "/ui/logs", f"/ui/logs?sessionId={session}", "/ui/dual-llm", "/ui/costs"]:
            page.goto(self.gateway + path)
            # Open every collapsed part (raw JSON, tool parameters) so its text is rendered too.
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            self.expect_literal(page, path)
            self.watch.check(page, path)


class Login(UIChecks):
    """Log in and out of the gateway that has an admin token."""

    def __init__(self, options, browser):
        super().__init__(options, browser)
        self.gateway = options.auth.rstrip("/")
        self.context = browser.new_context(viewport={"width": WIDTH, "height": 800})
        self.page = self.new_page(self.context)

    def steps(self):
        return [
            ("login: a page redirects to /ui/login?next=<the page>", self.redirected),
            ("login: a wrong token is refused and sets no cookie", self.wrong_token),
            ("login: the right token lands on next with an HttpOnly SameSite=Strict session", self.right_token),
            ("login: logging out returns to the login and ends the session", self.logout),
        ]

    def session_cookies(self):
        return [c for c in self.context.cookies() if c["name"] == "archestra_session"]

    def redirected(self):
        self.page.goto(self.gateway + "/ui/tools?agentId=")
        parsed = urllib.parse.urlparse(self.page.url)
        expect_equal(parsed.path, "/ui/login", "redirected to")
        expect_equal(urllib.parse.parse_qs(parsed.query).get("next"), ["/ui/tools?agentId="], "next")
        assert self.page.locator("nav").count() == 0, "no navigation before signing in"
        self.shoot(self.page, "login")
        self.watch.check(self.page, "login page")

    def submit(self, token):
        self.page.locator("input[name=token]").fill(token)
        with self.page.expect_response(lambda r: r.request.method == "POST" and "/ui/login" in r.url) as response:
            self.page.get_by_role("button", name="Sign in").click()
        return response.value

    def wrong_token(self):
        response = self.submit(self.options.token + "-wrong")
        expect_equal(response.status, 401, "status for a wrong token")
        self.page.get_by_text("That is not the admin token.").wait_for(timeout=WAIT_MS)
        expect_equal(self.session_cookies(), [], "session cookies")
        self.watch.problems = [p for p in self.watch.problems if "401" not in p]  # the browser logs the 401 itself
        self.watch.check(self.page, "wrong token")

    def right_token(self):
        response = self.submit(self.options.token)
        expect_equal(response.status, 303, "status for the right token")
        self.page.wait_for_url("**/ui/tools?agentId=")
        cookies = self.session_cookies()
        expect_equal(len(cookies), 1, "session cookies")
        expect_equal((cookies[0]["httpOnly"], cookies[0]["sameSite"]), (True, "Strict"), "cookie flags")
        expect_equal(self.page.evaluate("document.cookie"), "", "cookies scripts can read")
        self.page.get_by_role("link", name="Agents", exact=True).click()
        self.page.wait_for_url("**/ui/agents")
        self.watch.check(self.page, "signed in")

    def logout(self):
        self.page.get_by_role("button", name="Log out").click()
        self.page.wait_for_url("**/ui/login")
        expect_equal(self.session_cookies(), [], "session cookies after logging out")
        self.page.goto(self.gateway + "/ui/agents")
        expect_equal(urllib.parse.urlparse(self.page.url).path, "/ui/login", "a page after logging out")
        self.watch.check(self.page, "logged out")


def run(checks, scenario):
    """Runs a scenario's steps in order; a failed step ends the scenario (the next ones need it)."""
    steps = scenario.steps()
    for index, (name, step) in enumerate(steps):
        if not checks.run(name, step):
            for skipped, _ in steps[index + 1:]:
                print(f"SKIP [{checks.label}] {skipped} (an earlier step failed)", flush=True)
            return


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mock", required=True, help="gateway in benchmark mock mode")
    parser.add_argument("--upstream", required=True, help="gateway in front of fake_upstream.py")
    parser.add_argument("--auth", required=True, help="gateway with an admin token")
    parser.add_argument("--token", required=True, help="that gateway's admin token")
    parser.add_argument("--screenshots", default=os.path.join(ROOT, "docs", "screenshots"))
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium"))
    options = parser.parse_args()

    checks = Checks("ui")
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=options.chromium, headless=True)
        print(f"Chromium {browser.version} driven by Playwright", flush=True)
        try:
            for scenario in (Journey, Costs, Hostile, Login):
                run(checks, scenario(options, browser))
        finally:
            browser.close()
    print(f"ui checks took {time.monotonic() - started:.1f} s", flush=True)
    sys.exit(checks.summary())


if __name__ == "__main__":
    main()
