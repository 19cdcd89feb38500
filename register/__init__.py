"""The NHS Directors' Fit-and-Proper Register: the domain, free of any web framework."""
