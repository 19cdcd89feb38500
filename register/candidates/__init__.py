"""Candidate checks: a trust looks up a person before appointing them and sees their track record."""
