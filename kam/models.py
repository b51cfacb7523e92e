"""Models of the key accounts app."""
