import hashlib

import pandas as pd
from sklearn.datasets import load_breast_cancer

TARGET = "target"
TARGET_NAMES = {0: "malignant", 1: "benign"}


def load_dataset() -> pd.DataFrame:
    """The Wisconsin breast cancer data bundled with scikit-learn: 569 rows, 30 measurements and `target`."""
    frame = load_breast_cancer(as_frame=True).frame
    return frame.astype({TARGET: "int64"})


def fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the frame serialised as CSV: changes whenever a value, a column or the row order changes."""
    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()
