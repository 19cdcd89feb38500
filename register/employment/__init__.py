"""Employment history: every role a director has held, with board appointments as typed entries."""
