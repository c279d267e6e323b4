"""The web as plain functions and clients: HTTP, charsets, feeds, URLs. No apache_beam, no stages."""
