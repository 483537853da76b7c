from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def build_model(C: float = 1.0, random_state: int = 42) -> Pipeline:
    """The classifier: standardised features into an L2-regularised logistic regression."""
    return Pipeline([
        ("scale", StandardScaler()),
        ("classify", LogisticRegression(C=C, max_iter=1000, random_state=random_state)),
    ])
