"""Modules of ``scripts/bench.py``: the benchmark of issue 6 (``make bench``)."""
