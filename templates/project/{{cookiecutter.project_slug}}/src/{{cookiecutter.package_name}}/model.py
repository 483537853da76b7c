"""The model definition: an unfitted scikit-learn pipeline."""

{% include "shared/model.py" %}
