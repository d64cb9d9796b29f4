"""Helpers shared by test modules (no tests here, so pytest does not collect them)."""
