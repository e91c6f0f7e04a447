"""Load and fault runs against a real server (not collected by pytest: no test_*.py here)."""
