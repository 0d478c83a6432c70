"""Benchmark commands: ``python -m bench <subcommand>`` (see docs/benchmarks.md)."""
