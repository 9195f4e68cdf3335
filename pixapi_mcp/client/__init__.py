"""The Pixapi HTTP client; it knows nothing of MCP.

- ``errors``: every failure as one ``PixapiError`` subclass (openai-python's parentage).
- ``retry``: the one retry loop every call and download goes through, and its bound.
- ``wire``: what API calls and downloads both read off an exchange (sent-or-not, Retry-After, logs).
- ``redact``: the key scrubbed out of server text in every spelling (JSON escapes, URL, HTML).
- ``responses``: answers into results or errors, with the key scrubbed out.
- ``api``: ``PixapiClient``, the API calls behind the contract guard.
- ``download``: ``Downloader``, which fetches output and input URLs and never holds the key.
- ``guarded``: the transport URL inputs go through: one lookup, every address checked, at connect.
- ``build``: ``open_client``, settings to a client in one place (server and doctor).
"""

from pixapi_mcp.client.api import PixapiClient
from pixapi_mcp.client.build import open_client
from pixapi_mcp.client.download import MAX_REDIRECTS, Download, Downloader, UrlGuard
from pixapi_mcp.client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContractError,
    DownloadError,
    DownloadInterruptedError,
    FetchDeadlineError,
    InsufficientCreditsError,
    InvalidResponseError,
    MissingKeyError,
    NotFoundError,
    PixapiError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
    UnsafeAddressError,
)
from pixapi_mcp.client.guarded import (
    CHECKED,
    TRUSTED,
    CheckedTransport,
    Hop,
    InputNetwork,
    is_public_address,
)
from pixapi_mcp.client.retry import DEFAULT_MAX_RETRIES, MAX_SENDS_PER_CALL, RetryPolicy
from pixapi_mcp.client.wire import USER_AGENT

__all__ = [
    "CHECKED",
    "DEFAULT_MAX_RETRIES",
    "MAX_REDIRECTS",
    "MAX_SENDS_PER_CALL",
    "TRUSTED",
    "USER_AGENT",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CheckedTransport",
    "ContractError",
    "Download",
    "DownloadError",
    "DownloadInterruptedError",
    "Downloader",
    "FetchDeadlineError",
    "Hop",
    "InputNetwork",
    "InsufficientCreditsError",
    "InvalidResponseError",
    "MissingKeyError",
    "NotFoundError",
    "PixapiClient",
    "PixapiError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "UnprocessableEntityError",
    "UnsafeAddressError",
    "UrlGuard",
    "is_public_address",
    "open_client",
]
