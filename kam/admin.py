"""Admin of the key accounts app: each model registers here with its filters and actions."""
