"""Benchmarks: one module per feature, each with ``main(argv) -> int`` that prints its figures."""
