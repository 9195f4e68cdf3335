"""The sandbox ASGI app: Pixapi's documented HTTP API, answered locally with real media.

This module routes; the work is done by one module per concern. Request handling, in order:
request id (``middleware``) -> Bearer key, 401 (``accounts``) -> fault header (``injection``) ->
body parse (``bodies``) -> request-level fault (``injection``) -> route: ``submissions`` (the
contract's rule table, 400 -> model, ``models`` -> credits, 402 -> work-level fault -> the work),
``tasks``, ``models``, output files (``outputs``), ``admin``. Validation uses
``contract.check_request``, the same table the client and the tools use, so the sandbox can never
accept a request the rest of the project would reject, or the other way round. Every error answer
has the OpenAI shape (``errors``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pixapi_mcp.contract import FORBIDDEN_VIDEO_PATH, SUBMIT_ENDPOINTS, Endpoint, check_request
from pixapi_mcp.sandbox.accounts import caller, unauthorized
from pixapi_mcp.sandbox.admin import admin
from pixapi_mcp.sandbox.bodies import Body, read_body
from pixapi_mcp.sandbox.errors import error, http_error, violations_error, wrong_method
from pixapi_mcp.sandbox.faults import FaultError
from pixapi_mcp.sandbox.injection import fault_error, header_fault, misplaced, request_fault
from pixapi_mcp.sandbox.middleware import RequestIdMiddleware, request_id
from pixapi_mcp.sandbox.models import list_models
from pixapi_mcp.sandbox.outputs import FILE_NAME
from pixapi_mcp.sandbox.state import RecordedRequest, SandboxConfig, SandboxState
from pixapi_mcp.sandbox.submissions import submit
from pixapi_mcp.sandbox.tasks import Tasks

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# A handler of a recorded route: (request, valid key or None, its record) -> the answer.
_Handler = Callable[[Request, str | None, RecordedRequest], Awaitable[Response]]


class _Sandbox:
    """The routes, bound to one ``SandboxState``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.tasks = Tasks(state)

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "pixapi-sandbox", "time": self.state.clock.now()})

    async def api(self, request: Request) -> Response:
        return await self._recorded(request, self._api)

    async def files(self, request: Request) -> Response:
        return await self._recorded(request, self._file)

    async def admin(self, request: Request) -> Response:
        return await admin(self.state, request)

    async def _recorded(self, request: Request, handler: _Handler) -> Response:
        """Answer with ``handler`` and keep the request, with the status answered, in the log."""
        key, label = caller(self.state, request)
        query = request.url.query
        record = RecordedRequest(
            method=request.method,
            path=request.url.path + (f"?{query}" if query else ""),
            key=label,
            request_id=request_id(request),
            at=self.state.clock.now(),
        )
        self.state.requests.append(record)
        try:
            response = await handler(request, key, record)
        except HTTPException as exc:
            response = error(request, exc.status_code, str(exc.detail))
        record.status = response.status_code
        return response

    # -- /v1/* -----------------------------------------------------------------------------------

    async def _api(self, request: Request, key: str | None, record: RecordedRequest) -> Response:
        if key is None:
            return unauthorized(request)
        route = request.url.path.rstrip("/") or "/"
        try:
            endpoint: Endpoint | None = Endpoint(route)
        except ValueError:
            endpoint = None
        is_submit = request.method == "POST" and endpoint in SUBMIT_ENDPOINTS
        try:
            from_header = header_fault(request)
        except FaultError as exc:
            return fault_error(request, str(exc))
        if from_header is not None and (problem := misplaced(from_header, endpoint, is_submit)):
            return fault_error(request, problem)

        body = Body()
        if request.method == "POST":
            body = await read_body(request, endpoint)
            record.fields = dict(body.fields)
            record.image_parts = len(body.images)

        answer = await request_fault(self.state, from_header, key=key, request=request, record=record)
        if answer is not None:
            return answer

        if route == FORBIDDEN_VIDEO_PATH:
            found = check_request(route, body.fields, multipart=body.multipart)
            return violations_error(
                request, [v for v in found if v.rule_id == "video-async-only"] or found, 404
            )
        if route.startswith(Endpoint.TASKS.value + "/") and route.count("/") == 3:
            if request.method not in ("GET", "HEAD"):
                return wrong_method(request, "GET")
            return await self.tasks.get(request, key, route.rsplit("/", 1)[1])
        if endpoint is Endpoint.MODELS:
            if request.method not in ("GET", "HEAD"):
                return wrong_method(request, "GET")
            return list_models(self.state.config)
        if endpoint is Endpoint.TASKS:
            return error(
                request, 404, "Add the task id: `GET /v1/tasks/{id}` with the id the submission returned."
            )
        if endpoint in SUBMIT_ENDPOINTS:
            if request.method != "POST":
                return wrong_method(request, "POST")
            assert endpoint is not None
            return await submit(self.state, request, key, endpoint, body, from_header, record)
        found = check_request(route, {})
        if found:
            return violations_error(request, found, 404)
        return error(request, 404, f"`{route}` is not a Pixapi endpoint.")

    # -- /files/{name} -----------------------------------------------------------------------------

    async def _file(self, request: Request, key: str | None, record: RecordedRequest) -> Response:
        name = str(request.path_params["name"])
        item = self.state.outputs.get(name) if FILE_NAME.match(name) else None
        try:
            from_header = header_fault(request)
        except FaultError as exc:
            return fault_error(request, str(exc))
        answer = await request_fault(
            self.state, from_header, key=key, request=request, record=record, file=item
        )
        if answer is not None:
            return answer
        if item is None:
            return error(
                request, 404, f"No file `{name}`: outputs are kept in memory and may have been evicted."
            )
        data, content_type = item
        return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """The sandbox as a Starlette app; ``app.state.sandbox`` is its ``SandboxState``.

    Serve it with uvicorn (``running_sandbox``, ``pixapi-mcp sandbox``) or call it in-process with
    ``httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sandbox.test")``.
    """
    state = SandboxState(config or SandboxConfig())
    sandbox = _Sandbox(state)
    app = Starlette(
        routes=[
            Route("/health", sandbox.health, methods=["GET"]),
            Route("/files/{name}", sandbox.files, methods=["GET"]),
            Route("/_sandbox/{action}", sandbox.admin, methods=["GET", "POST", "DELETE"]),
            Route("/v1/{rest:path}", sandbox.api, methods=_ALL_METHODS),
        ],
        middleware=[Middleware(RequestIdMiddleware)],
        exception_handlers={HTTPException: http_error},
    )
    app.state.sandbox = state
    return app
