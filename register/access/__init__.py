"""Who the caller is and what they may see: the one place the access rules of DESIGN.md §4 live."""
