"""mlops-level: rate ML repositories on Google's MLOps maturity model and scaffold projects."""

__version__ = "0.1.0"
