"""Benchmarks of the assistant beside baselines measured in the same run: `python -m bench`."""
