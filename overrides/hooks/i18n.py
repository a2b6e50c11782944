"""Placeholder for the search split (filled in below)."""
