"""Fails at import, in every worker."""
raise RuntimeError("no database at init")
