"""Benchmarks of langchain-replicate against its alternatives, on the local server.

`make bench` (or `uv run --locked --group bench python -m benchmarks`) runs them all
in one go and prints the table; `benchmarks/README.md` explains the method.
"""
