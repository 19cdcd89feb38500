"""The director's own statements, in reply to any record held about them or about the file as a whole."""
