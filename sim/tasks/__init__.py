"""Benchmark task families (seed -> scene + instruction + goal) and goal checks on sim state."""
