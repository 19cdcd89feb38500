"""The director's file as records: the shared machinery every aggregate uses to read and write it."""
