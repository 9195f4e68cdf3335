"""``current_caller()``: the local caller unless the HTTP front says otherwise, and only inside the
request it set it for."""

from __future__ import annotations

from pixapi_mcp.auth import LOCAL_CALLER, Caller, current_caller
from pixapi_mcp.auth.caller import acting_as


def test_the_caller_is_local_outside_a_request_and_set_inside_one() -> None:
    assert current_caller() is LOCAL_CALLER and LOCAL_CALLER.admin
    ada = Caller(id="token:ada", name="ada", team="art")
    with acting_as(ada):
        assert current_caller() is ada
        with acting_as(Caller(id="oauth:x", name="x")):
            assert current_caller().id == "oauth:x"
        assert current_caller() is ada
    assert current_caller() is LOCAL_CALLER
