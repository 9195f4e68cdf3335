"""The error classes: category and retryable per class, the openai-python parentage, and ``str()`` as
one actionable sentence."""

from __future__ import annotations

import pytest

from pixapi_mcp.client import (
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
from tests.client.recording import Factory, error


@pytest.mark.anyio
async def test_error_str_is_actionable(make: Factory) -> None:
    h = make(
        error(401, {"error": {"code": 401, "message": "Invalid API key", "type": "authentication_error"}})
    )
    with pytest.raises(AuthenticationError) as info:
        await h.client.list_models()
    assert str(info.value) == (
        "Pixapi answered HTTP 401 authentication_error: Invalid API key. "
        "Check PIXAPI_KEY: it must be a valid, active Pixapi API key for this account."
    )


def test_error_classes_declare_category_and_retryable() -> None:
    expected = {
        ContractError: ("invalid_request", False),
        MissingKeyError: ("auth", False),
        BadRequestError: ("invalid_request", False),
        AuthenticationError: ("auth", False),
        InsufficientCreditsError: ("credits", False),
        NotFoundError: ("not_found", False),
        UnprocessableEntityError: ("unprocessable", False),
        RateLimitError: ("rate_limited", True),
        ServerError: ("server", True),
        APIStatusError: ("invalid_request", False),
        APIConnectionError: ("connection", True),
        APITimeoutError: ("timeout", True),
        InvalidResponseError: ("bad_response", False),
        DownloadError: ("download", False),
        DownloadInterruptedError: ("download", True),
    }
    for cls, (category, retryable) in expected.items():
        assert issubclass(cls, PixapiError)
        assert (cls.category, cls.retryable) == (category, retryable), cls


def test_error_parentage_follows_openai_python() -> None:
    """One base for every status error, timeouts a kind of connection error; the local refusals,
    bad bodies and downloads are none of those, so an `except APIStatusError` means "it answered"."""
    status_errors = [
        BadRequestError,
        AuthenticationError,
        InsufficientCreditsError,
        NotFoundError,
        UnprocessableEntityError,
        RateLimitError,
        ServerError,
    ]
    for cls in status_errors:
        assert issubclass(cls, APIStatusError), cls
    assert issubclass(APIStatusError, PixapiError)
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(APIConnectionError, PixapiError)
    assert issubclass(DownloadInterruptedError, DownloadError)
    for cls in (ContractError, MissingKeyError, InvalidResponseError, DownloadError, APIConnectionError):
        assert not issubclass(cls, APIStatusError), cls
    assert not issubclass(APIConnectionError, APIStatusError)


def test_reparenting_kept_each_class_default_fix() -> None:
    """A 5xx and a timeout keep the base's "try again later" fix, not their new parents' ones."""
    try_later = PixapiError("x").fix
    assert ServerError("x").fix == try_later
    assert APITimeoutError("x").fix == try_later
    assert "PIXAPI_BASE_URL" in APIConnectionError("x").fix
    assert "API reference" in APIStatusError("x").fix
    assert ServerError("x").sent is True and APITimeoutError("x").sent is True
