"""The one feature function, shared by training and serving so both compute identical inputs."""

{% include "shared/features.py" %}
