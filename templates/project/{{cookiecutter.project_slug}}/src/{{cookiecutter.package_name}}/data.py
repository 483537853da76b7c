"""Loading the training data: the breast cancer dataset bundled with scikit-learn (no download)."""

{% include "shared/data.py" %}
