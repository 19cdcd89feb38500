"""The record kit: one home for the rules every part of a director's file shares (who may see it, how a change is
versioned and audited, how lists page, and the fenced fast path)."""
