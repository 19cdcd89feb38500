"""Directors: the people on the register, their names and professional registrations."""
