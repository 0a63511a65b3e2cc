#!/usr/bin/env python3
"""Runs a pydantic-ai agent (its OpenAI chat-completions model) through a running gateway into a refusal.

Usage:
  pydantic_ai_check.py --gateway http://127.0.0.1:PORT --expect-tool NAME --expect-args JSON

The agent has one tool, the one the upstream's replies call (mock mode's list_files, or the fake upstream's
get_weather); the tool's result carries an injected instruction. The model calls the tool (allowed: nothing
untrusted yet), the agent runs it, the model calls it again and the gateway refuses the call. The run must end
normally with the refusal text (streamed, after any text the model wrote before the call) as
its output, with `agent.run` and with `agent.run_stream`, and the gateway must have recorded both turns of each
run. Then the same agent against a server answering in the gateway's old refusal shape (`refusal` filled) must
raise ContentFilterError: that is what would happen if the gateway filled `refusal` again (frameworks.py).

Each check prints PASS or FAIL; the last line is `N passed, N failed`.
"""

import asyncio
from importlib.metadata import version

from openai import AsyncOpenAI
from pydantic_ai import Agent, Tool
from pydantic_ai.exceptions import ContentFilterError
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from checklib import create_agent, describe, expect_equal
from frameworks import (
    API_KEY,
    MODEL,
    PROMPT,
    Expectation,
    OldRefusalUpstream,
    ToolLog,
    agent_name,
    check_records,
    check_refused_run,
    run_framework_checks,
)


class PydanticAIRefusalScenario:
    def __init__(self, options):
        self.gateway = options.gateway.rstrip("/")
        self.expectation = Expectation(options)
        self.agent_id = None
        self.runs = 0

    def make_agent(self, base_url, tool_log):
        client = AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=30.0)
        model = OpenAIChatModel(MODEL, provider=OpenAIProvider(openai_client=client))
        schema = {
            "type": "object",
            "properties": {name: {"type": "string"} for name in self.expectation.args},
            "required": list(self.expectation.args),
        }
        tool = Tool.from_schema(
            lambda **arguments: tool_log.record(arguments), name=self.expectation.tool,
            description="A tool the agent may call.", json_schema=schema,
        )
        return Agent(model, tools=[tool], instructions="You are a careful assistant.")

    def gateway_url(self):
        return f"{self.gateway}/v1/openai/{self.agent_id}"

    def create_agent(self):
        self.agent_id = create_agent(self.gateway, agent_name("pydantic-ai"))

    def run_refused(self):
        assert self.agent_id, "no agent"
        tool_log = ToolLog()
        self.runs += 1
        result = asyncio.run(self.make_agent(self.gateway_url(), tool_log).run(PROMPT))
        check_refused_run(self.expectation, result.output, tool_log, "agent.run")

    def run_stream_refused(self):
        assert self.agent_id, "no agent"
        tool_log = ToolLog()
        self.runs += 1

        async def run():
            async with self.make_agent(self.gateway_url(), tool_log).run_stream(PROMPT) as result:
                return await result.get_output()

        check_refused_run(self.expectation, asyncio.run(run()), tool_log, "agent.run_stream", streamed=True)

    def recorded(self):
        assert self.agent_id, "no agent"
        check_records(self.gateway, self.agent_id, self.runs, self.expectation)

    def old_shape_raises(self, stream):
        """The control: the refusal in `refusal` (the old reply) makes pydantic-ai raise instead of answering."""
        with OldRefusalUpstream(self.expectation) as old:
            agent = self.make_agent(old.base_url, ToolLog())

            async def run():
                if stream:
                    async with agent.run_stream(PROMPT) as result:
                        return await result.get_output()
                return (await agent.run(PROMPT)).output

            try:
                output = asyncio.run(run())
            except ContentFilterError:
                return
            except Exception as error:
                raise AssertionError(f"expected ContentFilterError, got {describe(error)}")
            raise AssertionError(f"the old refusal shape did not raise; the run answered {output!r}")

    def run(self, checks):
        if not checks.run("agent created through the admin API", self.create_agent):
            return
        checks.run("agent.run ends with the refusal as its output", self.run_refused)
        checks.run("agent.run_stream ends with the refusal as its output", self.run_stream_refused)
        checks.run("both turns of each run recorded (allowed, then refused)", self.recorded)
        checks.run("control: the old shape (refusal filled) raises ContentFilterError", self.old_shape_raises, False)
        checks.run("control: the old shape streamed (delta.refusal) raises ContentFilterError", self.old_shape_raises, True)


def main():
    run_framework_checks(__doc__, "pydantic-ai", f"pydantic-ai {version('pydantic-ai-slim')}", PydanticAIRefusalScenario)


if __name__ == "__main__":
    main()
