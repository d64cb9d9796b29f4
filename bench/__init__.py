"""Benchmark of the whole pipeline at sample, 100,000 and 1,000,000 residents (`make bench`)."""
