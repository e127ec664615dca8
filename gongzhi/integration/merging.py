"""Merges live in services/merges.py (the services package, one module per topic); this name is
kept for the pages and tests that import it."""

from .services.merges import merge_undo, person_merge

__all__ = ["merge_undo", "person_merge"]
