"""Streamed, scoped bulk exports of the register (issue 7)."""
