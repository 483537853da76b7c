"""Read a repository once and rate it on the MLOps maturity model."""
