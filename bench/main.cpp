// mmcheck_bench: one binary for every layer's benchmarks (docs/performance.md).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
