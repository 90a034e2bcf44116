"""Playground panel module (being written)."""
