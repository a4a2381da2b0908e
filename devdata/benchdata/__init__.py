"""Benchmark data: `generate_bench_data` builds a large, realistic data set (issue 9) and
`recompute_all_aggregates` sets every stored aggregate from the rows."""

from devdata.benchdata.aggregates import aggregate_drift, recompute_all_aggregates
from devdata.benchdata.generator import (
    BENCH_PASSWORD,
    BenchDataError,
    BenchDataGenerator,
    BenchSizes,
    validate_sizes,
)

__all__ = [
    "BENCH_PASSWORD",
    "BenchDataError",
    "BenchDataGenerator",
    "BenchSizes",
    "aggregate_drift",
    "recompute_all_aggregates",
    "validate_sizes",
]
