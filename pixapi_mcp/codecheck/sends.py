"""What common HTTP libraries and the openai SDKs send, given the values a call was made with.

The language readers find a call and evaluate its arguments; this module knows what the library
does with them: which argument is the URL, which the body and how it is encoded, whether the
library sets ``Content-Type: application/json`` itself, and which headers and base URL a client
object carries. One function per calling convention, shared by the languages that use it.
"""

from __future__ import annotations

from pixapi_mcp.codecheck.request import Encoding, Request, header_entries
from pixapi_mcp.codecheck.values import HOLE, Arr, Call, Field, Obj, Str, Unknown, Value

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "request", "fetch"})

# The openai SDK resources and methods (Python and Node share them), and the endpoint each
# stands for on Pixapi: images are correct; videos are the OpenAI video API, which Pixapi does not
# have (video is async at /v1/async/videos/generations, polled at GET /v1/tasks/{id}).
SDK_CALLS: dict[tuple[str, str], tuple[str, str]] = {
    ("images", "generate"): ("/images/generations", "json"),
    ("images", "edit"): ("/images/edits", "multipart"),
    ("images", "create_variation"): ("/images/variations", "multipart"),
    ("images", "createVariation"): ("/images/variations", "multipart"),
    ("videos", "create"): ("/videos", "json"),
    ("videos", "create_and_poll"): ("/videos", "json"),
    ("videos", "createAndPoll"): ("/videos", "json"),
    ("videos", "generate"): ("/videos/generations", "json"),
    ("videos", "retrieve"): ("/videos/" + HOLE, "none"),
    ("videos", "poll"): ("/videos/" + HOLE, "none"),
    ("videos", "download_content"): ("/videos/" + HOLE + "/content", "none"),
    ("videos", "downloadContent"): ("/videos/" + HOLE + "/content", "none"),
}
SDK_CLIENTS = frozenset({"OpenAI", "AsyncOpenAI", "AzureOpenAI", "openai.OpenAI", "openai.AsyncOpenAI"})


def client_parts(receiver: Value | None) -> tuple[Value | None, list[tuple[str | None, Value, int]]]:
    """The base URL and default headers a client object carries (httpx/requests sessions, aiohttp,
    axios instances, Guzzle clients, openai clients)."""
    if not isinstance(receiver, Call):
        return None, []
    base = receiver.kwarg("base_url", "baseURL", "base_uri", "baseUrl", "prefixUrl")
    headers = header_entries(receiver.kwarg("headers", "defaultHeaders", "default_headers"))
    if headers is None:
        headers = list[tuple[str | None, Value, int]](
            [(None, Unknown("headers", receiver.line), receiver.line)]
        )
    for name, value, line in receiver.parts:
        if name.startswith("header:"):
            headers.append((name[7:].lower() or None, value, line))
    return base, headers


def is_sdk_client(receiver: Value | None) -> bool:
    return isinstance(receiver, Call) and receiver.name.split(".")[-1] in (
        "OpenAI",
        "AsyncOpenAI",
        "AzureOpenAI",
    )


def sdk_request(
    resource: str, method: str, client: Value | None, body: Obj | None, line: int, site: int
) -> Request | None:
    """An openai SDK call (``client.images.generate(...)``) as the request it sends."""
    found = SDK_CALLS.get((resource, method))
    if found is None:
        return None
    path, encoding = found
    base = client.kwarg("base_url", "baseURL") if isinstance(client, Call) else None
    if base is None:
        base = Str(HOLE + "/v1", line)  # from OPENAI_BASE_URL or the default: the path is what counts
    fields = dict(body.fields) if body is not None else {}
    query: Value | None = None
    for extra in ("extra_body", "extraBody"):
        more = fields.pop(extra, None)
        if more is not None and isinstance(more.value, Obj):
            fields.update(more.value.fields)
    for extra in ("extra_query", "extraQuery", "query"):
        more = fields.pop(extra, None)
        if more is not None:
            query = more.value
    for extra in ("extra_headers", "timeout", "stream", "signal"):
        fields.pop(extra, None)
    method_name = "GET" if encoding == "none" else "POST"
    return Request(
        line=line,
        site=site,
        method=method_name,
        url=Str(path, line),
        base=base,
        headers=None,  # the SDK sends the key as a Bearer token itself
        body=Obj(fields, line, open=body.open if body is not None else False) if encoding != "none" else None,
        encoding=encoding if encoding != "none" else "none",  # pyright: ignore[reportArgumentType]
        auto_json=True,
        query=query,
        sdk=f"{resource}.{method}",
    )


def keyword_request(
    method: str | None,
    url: Value | None,
    kwargs: dict[str, Value],
    receiver: Value | None,
    line: int,
    site: int,
) -> Request:
    """A request made the Python way: ``requests``/``httpx``/``aiohttp`` keyword arguments
    (``json=``, ``data=``, ``files=``, ``content=``, ``headers=``, ``params=``)."""
    base, client_headers = client_parts(receiver)
    headers = header_entries(kwargs.get("headers"))
    merged = None if headers is None else [*client_headers, *headers]
    body: Value | None = None
    encoding: Encoding = "none"
    auto = False
    if "json" in kwargs:
        body, encoding, auto = kwargs["json"], "json", True
    elif "files" in kwargs:
        encoding = "multipart"
        fields = _fields_of(kwargs.get("data")) | _fields_of(kwargs["files"])
        body = Obj(fields, line)
    elif "data" in kwargs or "content" in kwargs:
        body, encoding = encoded_body(kwargs.get("data") or kwargs.get("content"))
    raw = kwargs.get("json") or kwargs.get("data") or kwargs.get("content")
    return Request(
        body_line=getattr(raw, "line", None),
        line=line,
        site=site,
        method=method,
        url=url,
        base=base,
        headers=merged,
        body=body,
        encoding=encoding,
        auto_json=auto,
        query=kwargs.get("params"),
    )


def encoded_body(value: Value | None) -> tuple[Value | None, Encoding]:
    """A body given as data: a JSON text (``json.dumps``, ``JSON.stringify``, a JSON literal) is
    sent as raw text, so its Content-Type is whatever the headers say; a dict is a form."""
    if value is None:
        return None, "none"
    if isinstance(value, Call) and value.name == "json":
        return (value.args[0] if value.args else None), "raw"
    if isinstance(value, Call) and value.name == "multipart":
        return value, "multipart"
    if isinstance(value, Str):
        from pixapi_mcp.codecheck.values import json_object

        parsed = json_object(value)
        return (parsed if parsed is not None else value), "raw"
    if isinstance(value, Obj):
        return value, "form"
    return value, "unknown"


def _fields_of(value: Value | None) -> dict[str, Field]:
    if isinstance(value, Obj):
        return dict(value.fields)
    if isinstance(value, Arr):  # files=[("image", f), ("image", g)]
        found: dict[str, Field] = {}
        for item in value.items:
            name = item.items[0] if isinstance(item, Arr) and item.items else None
            if isinstance(item, Arr) and isinstance(name, Str):
                found[name.text] = Field(item.items[1] if len(item.items) > 1 else item, item.line)
        return found
    return {}
