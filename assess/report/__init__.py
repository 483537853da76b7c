"""Renderers over one `Report`: text, JSON, Markdown, SARIF, badge, rubric."""
