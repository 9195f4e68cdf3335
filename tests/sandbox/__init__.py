import pytest

# The harness checks with plain asserts: have pytest rewrite them, as it does in test files, so a
# failure shows the values.
pytest.register_assert_rewrite("tests.sandbox.harness")
