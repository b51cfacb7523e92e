"""Admin of the workflows app: each model registers here with its filters and actions."""
