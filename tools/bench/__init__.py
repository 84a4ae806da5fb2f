"""The benchmark: task suites, episode runners (in-process, process pool, Ray), results, reports."""
