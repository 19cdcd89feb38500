"""Record versions: every change writes a snapshot, so any record can be read as of a past time."""
