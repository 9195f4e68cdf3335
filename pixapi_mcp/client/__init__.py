"""The Pixapi HTTP client; it knows nothing of MCP.

- ``errors``: every failure as one ``PixapiError`` subclass (openai-python's parentage).
- ``retry``: the one retry loop every call and download goes through, and its bound.
- ``wire``: what API calls and downloads both read off an exchange (sent-or-not, Retry-After, logs).
- ``redact``: the key scrubbed out of server text in every spelling (JSON escapes, URL, HTML).
- ``responses``: answers into results or errors, with the key scrubbed out.
- ``api``: ``PixapiClient``, the API calls behind the contract guard.
- ``download``: ``Downloader``, which fetches output and input URLs and never holds the key.
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
    InsufficientCreditsError,
    InvalidResponseError,
    MissingKeyError,
    NotFoundError,
    PixapiError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from pixapi_mcp.client.retry import DEFAULT_MAX_RETRIES, MAX_SENDS_PER_CALL, RetryPolicy
from pixapi_mcp.client.wire import USER_AGENT

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "MAX_REDIRECTS",
    "MAX_SENDS_PER_CALL",
    "USER_AGENT",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContractError",
    "Download",
    "DownloadError",
    "DownloadInterruptedError",
    "Downloader",
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
    "UrlGuard",
    "open_client",
]
