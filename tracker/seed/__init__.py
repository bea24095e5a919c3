"""The seed data set built from the founding article, and its loader."""
