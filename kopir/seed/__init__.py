"""Synthetic data: the demo's two school years, and national datasets for benchmarks."""
