"""Benchmarks for pixapi-mcp, each a ratio (or delta) against a floor measured in the same run.

Run them all with ``python -m bench`` (``--quick`` for a smoke run); see ``bench/run.py``. They are
not part of the test gate: ``tests/test_bench_smoke.py`` only proves that they execute.
"""
