"""What exists in the repository, shared by the checks: tools, pipelines, CI steps, triggers, capabilities."""
