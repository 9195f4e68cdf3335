"""The tools' argument types: ``contract``'s field types with the descriptions the model reads.

Constraints are written once, in ``pixapi_mcp.contract``; here they only gain a description
(``Annotated[contract.X, Field(description=...)]``). Arguments the API does not have (where files
go, how long to wait, spend confirmation) are declared here. Three API fields keep a type of
their own because the published schema differs from the contract's type (see their comments);
the strict request models apply the contract's type to them before anything is sent.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pixapi_mcp import contract

# -- the API's fields ------------------------------------------------------------------------------

PromptArg = Annotated[contract.Prompt, Field(description="What to create, in words.")]

# Looser than contract.ModelId (no character pattern) in the published schema: the strict request
# model still applies the pattern before anything is sent, with an error that names the fix.
ImageModelArg = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        description="Image model id or alias: nano-banana (default, 2 credits), nano-banana-2, nano-banana-pro, "
        "gpt-image-1.5, gpt-image-2. list_models shows all.",
    ),
]
VideoModelArg = Annotated[
    str, Field(min_length=1, max_length=128, description="Video model: veo (default) or wan.")
]
NArg = Annotated[contract.ImageCount | None, Field(description="Number of images (default 1).")]
ImageSizeArg = Annotated[
    contract.ImageSize | None,
    Field(description="auto or WIDTHxHEIGHT, e.g. 1024x1024, 1536x1024, 1024x1536."),
]
VideoSizeArg = Annotated[
    contract.VideoSize | None,
    Field(description="WIDTHxHEIGHT (1280x720, 720x1280) or a ratio such as 16:9."),
]
QualityArg = Annotated[
    contract.Quality | None, Field(description="low, medium, high or auto, where supported.")
]
FormatArg = Annotated[
    contract.ResponseFormat | None,
    Field(description="url (default) or b64_json; either way the image is saved to a file, never inlined."),
]
DurationArg = Annotated[contract.Duration | None, Field(description="Video length in seconds, e.g. 8.")]
# The published schema has no minLength, unlike VideoGenerationRequest.input_image (min 1): an
# empty string reaches the request model and is refused there.
InputImageArg = Annotated[
    str | None,
    Field(
        max_length=8192,
        description="Image URL to animate (image-to-video), e.g. data[0].url from generate_image.",
    ),
]
# dict[str, Any], not contract.Controls (dict[str, JsonValue]): the latter publishes a $defs/JsonValue
# reference in the schema. Arguments arrive as JSON, so the values are JSON values either way.
ControlsArg = Annotated[
    dict[str, Any] | None,
    Field(description="Extra model controls passed through as request fields; contract rules still apply."),
]
EditInputsArg = Annotated[
    str | list[str],
    Field(description="Input image(s): workspace file path, http(s) URL or data: URI; a list for several."),
]
TaskIdArg = Annotated[
    contract.TaskId, Field(description="The task id (id from a previous result or list_tasks).")
]

# -- this server's own arguments ---------------------------------------------------------------

OutputDirArg = Annotated[
    str | None,
    Field(
        max_length=4096,
        description="Folder for the files, inside the workspace (relative paths start at the workspace root). "
        "Default: <workspace>/pixapi-output, else PIXAPI_OUTPUT_DIR.",
    ),
]
WaitArg = Annotated[
    float | None,
    Field(
        ge=0,
        le=3600,
        description="Seconds to wait for completion in this call (capped by the tool deadline, "
        "~45 s). 0 returns the task handle at once.",
    ),
]
MaxCreditsArg = Annotated[
    float | None,
    Field(
        ge=0,
        le=1_000_000,
        description="Credits you accept to spend on this call. Only needed to confirm a "
        "costly call when asked to (hosts without confirmation dialogs); never a way around the caps.",
    ),
]
SyncArg = Annotated[
    bool,
    Field(
        description="Use the synchronous endpoint (one long HTTP call). Default false: the async endpoint, "
        "which survives slow models by handing back a task id."
    ),
]
LimitArg = Annotated[int, Field(ge=1, le=200, description="How many rows, newest first.")]
UnfinishedOnlyArg = Annotated[bool, Field(description="Only rows that may still produce output.")]
