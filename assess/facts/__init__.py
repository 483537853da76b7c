"""Reading the repository: files, git, Python, notebooks, YAML, TOML, CI files. The only I/O of `assess`."""
