"""Benchmark commands: ``python -m matching.bench <subcommand>`` (see docs/benchmarks.md)."""
