"""The MCP ``check_code`` tool: its arguments, description, annotations and structured result.

``register_check_code(server)`` puts it on an ``MCPServer``; the server calls it at start-up.
This is the only module of ``codecheck`` that imports ``mcp``, and the package root does not
import it, so ``docs`` and the tests can use the checker without the SDK.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from pixapi_mcp.codecheck import check
from pixapi_mcp.codecheck.findings import Finding
from pixapi_mcp.codecheck.source import detect_language, normalize_language
from pixapi_mcp.tool_result import call_result, short_text

CHECK_CODE_DESCRIPTION = """Check Pixapi integration code, or a JSON request body, against Pixapi's documented contract.

language: curl (bash), python, node (javascript/typescript), go, java, php, or json for a request
body (put `POST /v1/...` on its first line, else the endpoint is guessed); omit it to auto-detect.
Finds async=true flags, /v1/videos/generations, image_url instead of input_image, seconds instead
of duration, image models used for video (and the reverse), data[0].url read from a task (the
video is at result.data[0].url), tasks never polled or polled for the wrong status, missing
Bearer auth, hard-coded or browser-exposed keys, edits sent as JSON, and bad
response_format/quality/size values. Free and local; a static check (nothing is run or sent).
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


def run_check(code: str, language: str | None) -> CheckCodeResult:
    """The tool's answer for ``code``; a ``ToolError`` the model can act on for bad input."""
    if not code.strip():
        raise ToolError("code is empty: pass the source code or the JSON request body to check.")
    try:
        lang = normalize_language(language) or detect_language(code)
        findings = check.check_code(code, lang)
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
        summary=check.summarize(findings, lang),
        next_step=next_step,
    )


def register_check_code(server: MCPServer[Any]) -> None:
    """Register the ``check_code`` tool on ``server``."""

    async def check_code(
        code: Annotated[
            str,
            Field(
                min_length=1,
                max_length=200_000,
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
        checked = run_check(code, language)
        return call_result(checked, checked.text())

    server.add_tool(
        check_code,
        title="Check Pixapi code",
        description=CHECK_CODE_DESCRIPTION,
        annotations=ToolAnnotations(title="Check Pixapi code", **READ_ONLY_LOCAL),
    )
