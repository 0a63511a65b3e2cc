#!/usr/bin/env python3
"""Runs an OpenAI Agents SDK agent (OpenAIChatCompletionsModel, not the Responses default) through a running
gateway into a refusal.

Usage:
  openai_agents_check.py --gateway http://127.0.0.1:PORT --expect-tool NAME --expect-args JSON

The agent has one function tool, the one the upstream's replies call (mock mode's list_files, or the fake
upstream's get_weather); the tool's result carries an injected instruction. The model calls the tool (allowed:
nothing untrusted yet), the agent runs it, the model calls it again and the gateway refuses the call. The run must
end normally with the refusal text (streamed, after any text the model wrote before the call)
as `final_output`, with `Runner.run` and with `Runner.run_streamed`, and the gateway must have recorded both turns
of each run. Then the same agent against a server answering in the gateway's old refusal shape (`refusal` filled)
must raise ModelRefusalError: that is what would happen if the gateway filled `refusal` again (frameworks.py).
Tracing is off: nothing leaves the machine.

Each check prints PASS or FAIL; the last line is `N passed, N failed`.
"""

import asyncio
import json
from importlib.metadata import version

from agents import Agent, FunctionTool, OpenAIChatCompletionsModel, Runner, set_tracing_disabled
from agents.exceptions import ModelRefusalError
from openai import AsyncOpenAI

from checklib import create_agent, describe
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


class OpenAIAgentsRefusalScenario:
    def __init__(self, options):
        self.gateway = options.gateway.rstrip("/")
        self.expectation = Expectation(options)
        self.agent_id = None
        self.runs = 0

    def make_agent(self, base_url, tool_log):
        client = AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=30.0)

        async def invoke(context, arguments):
            return tool_log.record(json.loads(arguments))

        tool = FunctionTool(
            name=self.expectation.tool,
            description="A tool the agent may call.",
            params_json_schema={
                "type": "object",
                "properties": {name: {"type": "string"} for name in self.expectation.args},
                "required": list(self.expectation.args),
                "additionalProperties": False,
            },
            on_invoke_tool=invoke,
        )
        return Agent(
            name="sdk-check agent", instructions="You are a careful assistant.",
            model=OpenAIChatCompletionsModel(model=MODEL, openai_client=client), tools=[tool],
        )

    def gateway_url(self):
        return f"{self.gateway}/v1/openai/{self.agent_id}"

    def create_agent(self):
        self.agent_id = create_agent(self.gateway, agent_name("openai-agents"))

    def run_refused(self):
        assert self.agent_id, "no agent"
        tool_log = ToolLog()
        self.runs += 1
        result = asyncio.run(Runner.run(self.make_agent(self.gateway_url(), tool_log), PROMPT))
        check_refused_run(self.expectation, result.final_output, tool_log, "Runner.run")

    def run_streamed_refused(self):
        assert self.agent_id, "no agent"
        tool_log = ToolLog()
        self.runs += 1

        async def run():
            result = Runner.run_streamed(self.make_agent(self.gateway_url(), tool_log), PROMPT)
            async for _ in result.stream_events():
                pass
            return result.final_output

        check_refused_run(self.expectation, asyncio.run(run()), tool_log, "Runner.run_streamed", streamed=True)

    def recorded(self):
        assert self.agent_id, "no agent"
        check_records(self.gateway, self.agent_id, self.runs, self.expectation)

    def old_shape_raises(self, stream):
        """The control: the refusal in `refusal` (the old reply) makes the SDK raise instead of answering."""
        with OldRefusalUpstream(self.expectation) as old:
            agent = self.make_agent(old.base_url, ToolLog())

            async def run():
                if stream:
                    result = Runner.run_streamed(agent, PROMPT)
                    async for _ in result.stream_events():
                        pass
                    return result.final_output
                return (await Runner.run(agent, PROMPT)).final_output

            try:
                output = asyncio.run(run())
            except ModelRefusalError:
                return
            except Exception as error:
                raise AssertionError(f"expected ModelRefusalError, got {describe(error)}")
            raise AssertionError(f"the old refusal shape did not raise; the run answered {output!r}")

    def run(self, checks):
        if not checks.run("agent created through the admin API", self.create_agent):
            return
        checks.run("Runner.run ends with the refusal as final_output", self.run_refused)
        checks.run("Runner.run_streamed ends with the refusal as final_output", self.run_streamed_refused)
        checks.run("both turns of each run recorded (allowed, then refused)", self.recorded)
        checks.run("control: the old shape (refusal filled) raises ModelRefusalError", self.old_shape_raises, False)
        checks.run("control: the old shape streamed (delta.refusal) raises ModelRefusalError", self.old_shape_raises, True)


def main():
    set_tracing_disabled(True)
    run_framework_checks(__doc__, "openai-agents", f"openai-agents {version('openai-agents')}", OpenAIAgentsRefusalScenario)


if __name__ == "__main__":
    main()
