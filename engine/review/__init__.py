"""Registry review: findings on documentation, naming, near-duplicates and lifecycle, and a score."""
