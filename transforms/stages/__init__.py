"""Beam stages: DoFns and composite PTransforms around the pure modules in text/, web/ and article.py."""
