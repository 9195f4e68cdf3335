"""The paid actions the app offers on a piece of work: animate an image, make a variation, retry a
failed task. Each is a ready ``tools/call`` (tool and arguments) with its estimate, proposed by the
server so the app never builds a paid request itself.

The app sends exactly these calls through the host, so they meet the same guardrails as a model's
call: the caps, and the confirmation the server asks through the host when a call is costly or its
price unknown. ``max_credits`` is never part of a proposal (it is how a person confirms where the
host cannot ask, and a proposal must not confirm anything on anyone's behalf); ``asks_first`` only
tells the person, before they click, that the server will ask them. A ``--read-only`` server
proposes nothing: its paid tools do not exist.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from pixapi_mcp.contract import DEFAULT_VIDEO_MODEL, estimate_request
from pixapi_mcp.ledger import LedgerRow
from pixapi_mcp.tools.guardrails import needs_confirmation, sent_fields
from pixapi_mcp.tools.state import AppState

# The request fields each paid tool takes as arguments of the same name (tools.args); whatever
# else the ledger recorded in a request body was a model control, and goes back into `controls`.
_DOCUMENTED: Mapping[str, frozenset[str]] = {
    "generate_image": frozenset({"model", "prompt", "n", "size", "quality", "response_format"}),
    "create_video": frozenset({"model", "prompt", "duration", "size", "input_image"}),
}
# An edit repeated from its own arguments carries its inputs; data: URIs can be megabytes, and a
# proposal rides every result the app gets, so an edit whose arguments are larger is not offered.
MAX_REPEAT_CHARS = 16_384
# Arguments of a call that are about that one call, never carried into a repeat of it:
# max_credits confirms that call only; waits and the sync switch are the caller's business.
_PER_CALL = frozenset({"max_credits", "wait_s", "sync"})


class Action(BaseModel):
    """One action: the call to send, and what it is expected to cost."""

    id: str = Field(description="animate, variation or retry.")
    label: str
    tool: str
    arguments: dict[str, Any]
    estimate: float | None = Field(description="Credits this call is expected to cost (None: unknown).")
    basis: str
    note: str
    asks_first: bool = Field(
        description="The server will ask the person before spending (costly or unknown)."
    )
    editable: list[str] = Field(
        default_factory=list[str], description="Arguments the person may change first."
    )


def _action(
    state: AppState,
    id: str,
    label: str,
    tool: str,
    arguments: dict[str, Any],
    editable: list[str] | None = None,
) -> Action:
    body = {k: v for k, v in arguments.items() if k not in ("controls", "output_dir")}
    fields = sent_fields(arguments.get("controls"), **body)
    estimate = estimate_request(fields, video_credits=state.settings.video_credits_estimate)
    return Action(
        id=id,
        label=label,
        tool=tool,
        arguments=arguments,
        estimate=estimate.credits,
        basis=estimate.basis,
        note=estimate.note,
        asks_first=needs_confirmation(state.settings, estimate),
        editable=editable or [],
    )


def repeat_arguments(row: LedgerRow) -> dict[str, Any] | None:
    """The arguments that send ``row``'s request again, from the body the ledger recorded; None
    when the body cannot be rebuilt (an edit's input images are recorded by name only)."""
    documented = _DOCUMENTED.get(row.tool)
    if documented is None or not row.params.get("prompt"):
        return None
    arguments = {k: v for k, v in row.params.items() if k in documented and v is not None}
    controls = {k: v for k, v in row.params.items() if k not in documented}
    if controls:
        arguments["controls"] = controls
    if row.output_dir:
        arguments["output_dir"] = row.output_dir
    return arguments


def for_work(
    state: AppState,
    row: LedgerRow | None,
    *,
    status: str,
    image_urls: list[str],
    raw: Mapping[str, Any] | None = None,
) -> list[Action]:
    """What the app may offer on one piece of work: ``row`` is its ledger row, ``status`` its
    state, ``image_urls`` its image outputs' URLs, ``raw`` the arguments of the call that made it
    (when the app is looking at that call's own result)."""
    if state.settings.read_only or row is None:
        return []
    actions: list[Action] = []
    tool = row.tool
    again: dict[str, Any] | None
    if tool == "edit_image" and raw is not None and "image" in raw:
        again = {k: v for k, v in raw.items() if k not in _PER_CALL}
        if len(json.dumps(again, default=str)) > MAX_REPEAT_CHARS:
            again = None
    else:
        again = repeat_arguments(row)
    if status == "completed":
        for url in image_urls[:1]:  # Pixapi fetches input_image itself: only a URL can be animated
            animate: dict[str, Any] = {"prompt": row.prompt, "model": DEFAULT_VIDEO_MODEL, "input_image": url}
            if row.output_dir:
                animate["output_dir"] = row.output_dir
            actions.append(
                _action(state, "animate", "Animate this image", "create_video", animate, ["prompt"])
            )
        if again is not None and tool in ("generate_image", "edit_image"):
            actions.append(_action(state, "variation", "Make a variation", tool, again))
    elif status == "failed" and again is not None:
        actions.append(_action(state, "retry", "Retry (a new task)", tool, again))
    return actions
