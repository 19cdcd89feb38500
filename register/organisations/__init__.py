"""Organisations named by their ODS code: trusts, ICBs and national bodies."""
