"""Arabic text as plain functions: no apache_beam, no stages, no HTTP (tests/test_layout.py)."""
