"""Pull-request review: the delta against a base revision, the checklist, the PR comment, the action."""
