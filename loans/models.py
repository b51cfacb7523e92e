"""Models of the loans app."""
