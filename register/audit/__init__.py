"""The audit trail: who read or changed what, when and for what stated purpose."""
