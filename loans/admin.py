"""Admin of the loans app: each model registers here with its filters and actions."""
