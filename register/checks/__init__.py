"""FPPT checks: the results of the fit and proper person checks on a director, and when each is next due."""
