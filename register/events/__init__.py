"""Outbound events: significant changes, written in the same transaction as the change (an outbox)."""
