"""Retention: FPPT records are kept until the director's 75th birthday, then erased, leaving a tombstone."""
