"""One module per resource; handlers are thin: one service call, one schema back."""
