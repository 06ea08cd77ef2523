"""Issue 5's benchmark suite: python -m benchmarks.run --out benchmarks/results.md"""
