"""Annual FPPT returns: per organisation and year, submitted by the chair to the regional director."""
