"""Benchmarks and their data generator (not installed with the service; run from the project root)."""
