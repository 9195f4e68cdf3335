"""The MCP ``check_code`` tool: its arguments, description, annotations and structured result.

``register_check_code(server)`` puts it on an ``MCPServer``; the server calls it at start-up. It
registers the tool without loading the checker (its grammars and regexes load on the first check).
This is the only module of ``codecheck`` that imports ``mcp``, and the package root does not
import it, so ``docs`` and the tests can use the checker without the SDK.

The check runs in a worker thread (``anyio.to_thread``), never on the event loop, so other
sessions' calls are answered while a large input is checked; it has a time budget
(``CHECK_TIME_BUDGET_S``), enforced both inside the check (it stops itself) and around it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from pixapi_mcp import codecheck
from pixapi_mcp.codecheck.findings import Finding
from pixapi_mcp.tool_result import add_tool, call_result, short_text

# The largest input the tool takes (characters). Linear work: 200 KB checks in well under a second
# here (bench/codecheck_speed.py), and no integration file a model pastes is larger.
MAX_CODE_CHARS = 200_000
# How long one check may take before the tool gives up with a clear error.
CHECK_TIME_BUDGET_S = 10.0
# Inputs up to this many characters are checked on the event loop: a 300-character snippet takes
# 0.6 ms here and 2,000 characters 2.5-3.3 ms, no longer than the 5 ms slice of the GIL a worker
# thread would hold anyway, and the hop to the thread and back cost the server more than a short
# check under load. Larger inputs go to a worker thread (``run_check_off_loop``).
INLINE_CHARS = 2_000

CHECK_CODE_DESCRIPTION = """Check Pixapi integration code, or a JSON request body, against Pixapi's documented contract.

language: curl (bash), python, node (javascript/typescript), go, java, php, or json for a request
body (put `POST /v1/...` on its first line, else the endpoint is guessed); omit it to auto-detect.
Finds async=true flags, /v1/videos/generations, image_url instead of input_image, seconds instead
of duration, image models used for video (and the reverse), data[0].url read from a task (the
video is at result.data[0].url), tasks never polled or polled for the wrong status, missing
Bearer auth, hard-coded or browser-exposed keys, edits sent as JSON, and bad
response_format/quality/size values. Values are followed through the file (variables, concatenation, f-strings, format calls, field
assignments, helper functions) and each request is judged on its own URL, headers and body; also
finds JSON bodies sent without Content-Type: application/json, wrong base URLs, task_id read
where the submission answers id, and openai SDK clients (base_url without /v1, video calls).
Free and local; a static check (nothing is run or sent); up to 200,000 characters.
Returns findings with rule_id, line, message, fix and docs_uri. Next: fix each finding (read its
docs_uri), then check again until ok is true."""

# A local, pure computation: nothing is changed, nothing leaves the machine, the same input gets
# the same answer. search_docs (pixapi_mcp.docs.server) is the same kind of tool and uses this too.
READ_ONLY_LOCAL: dict[str, bool] = {
    "read_only_hint": True,
    "destructive_hint": False,
    "idempotent_hint": True,
    "open_world_hint": False,
}


class CheckCodeResult(BaseModel):
    language: str = Field(description="The language checked (detected when not given).")
    ok: bool = Field(description="True when there are no findings.")
    findings: list[Finding]
    summary: str
    next_step: str = Field(default="", description="What to do next, in words.")

    def text(self) -> str:
        """The short text beside the structured result: the summary (which names the next step),
        then one line per finding (line, rule, fix) as many as fit."""
        details = [f"- line {f.line} [{f.rule_id}]: {f.fix}" for f in self.findings]
        return short_text(self.summary, details)


def run_check(code: str, language: str | None, deadline: float | None = None) -> CheckCodeResult:
    """The tool's answer for ``code``; a ``ToolError`` the model can act on for bad input.
    ``CheckTimeout`` when ``deadline`` (a ``time.monotonic()`` instant) passes."""
    if not code.strip():
        raise ToolError("code is empty: pass the source code or the JSON request body to check.")
    try:
        # Through the package: the checker's modules load on the first check, not at start-up.
        lang = codecheck.normalize_language(language) or codecheck.detect_language(code)
        findings = codecheck.check_code(code, lang, deadline=deadline)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    next_step = (
        "Fix each finding at its line (fix says how; docs_uri explains the rule), then call check_code "
        "again with the new code until ok is true."
        if findings
        else "Nothing to fix; run check_code again whenever the code changes."
    )
    return CheckCodeResult(
        language=lang,
        ok=not findings,
        findings=findings,
        summary=codecheck.summarize(findings, lang),
        next_step=next_step,
    )


# What the tool runs in its worker thread: ``run_check``, or a stand-in a test injects.
Runner = Callable[[str, "str | None", "float | None"], CheckCodeResult]


async def run_check_off_loop(
    code: str,
    language: str | None,
    budget_s: float = CHECK_TIME_BUDGET_S,
    runner: Runner = run_check,
) -> CheckCodeResult:
    """``run_check`` in a worker thread within ``budget_s``: the event loop stays free for every
    other session while a large input is checked. A short input (``INLINE_CHARS``) is checked
    in place, when the runner is ``run_check`` itself."""
    deadline = time.monotonic() + budget_s
    try:
        if len(code) <= INLINE_CHARS and runner is run_check:
            return runner(code, language, deadline)
        with anyio.fail_after(budget_s + 1.0):  # the check stops itself at the deadline; this is the backstop
            return await anyio.to_thread.run_sync(
                partial(runner, code, language, deadline), abandon_on_cancel=True
            )
    except (TimeoutError, codecheck.CheckTimeout):
        raise _too_slow(budget_s) from None


def _too_slow(budget_s: float = CHECK_TIME_BUDGET_S) -> ToolError:
    return ToolError(
        f"check_code stopped after its {budget_s:g} s budget: the input is too large or too "
        "deeply nested to check in time.\ncategory: too_large | retryable: no\n"
        "fix: check the file in smaller parts (the functions that call Pixapi and the code that reads "
        "their answers), then run check_code again."
    )


def register_check_code(
    server: MCPServer[Any], *, budget_s: float = CHECK_TIME_BUDGET_S, runner: Runner = run_check
) -> None:
    """Register the ``check_code`` tool on ``server``. ``budget_s`` and ``runner`` are for tests:
    a smaller budget, or a runner that holds the worker thread to show the loop stays free."""

    async def check_code(
        code: Annotated[
            str,
            Field(
                min_length=1,
                max_length=MAX_CODE_CHARS,
                description="The source code, or a JSON request body (optionally preceded by a `POST /v1/...` line).",
            ),
        ],
        language: Annotated[
            str | None,
            Field(
                max_length=32,
                description="curl, python, node (javascript, typescript), go, java, php or json; omit to auto-detect.",
            ),
        ] = None,
    ) -> Annotated[CallToolResult, CheckCodeResult]:
        checked = await run_check_off_loop(code, language, budget_s, runner)
        return call_result(checked, checked.text())

    add_tool(
        server,
        check_code,
        title="Check Pixapi code",
        description=CHECK_CODE_DESCRIPTION,
        annotations=ToolAnnotations(title="Check Pixapi code", **READ_ONLY_LOCAL),
    )
