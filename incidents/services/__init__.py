"""Writes. Each top-level service owns its transaction; interfaces only call these."""
