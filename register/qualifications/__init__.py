"""Qualifications a director holds, with who verified them."""
