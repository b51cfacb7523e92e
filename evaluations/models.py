"""Models of the supplier evaluations app."""
