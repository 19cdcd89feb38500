"""Findings about a director: concern → investigation → outcome, appeals, and barring decisions."""
