"""National director search: typo-tolerant name matching over current and former names, with filters."""
