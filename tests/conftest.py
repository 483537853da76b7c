"""Repository-wide pytest configuration."""

# Fixture repositories are data to be assessed, not tests of this project.
collect_ignore_glob = ["fixtures/*"]
