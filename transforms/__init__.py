"""The pipeline's logic, in rooms by what they may import.

- ``text/``: Arabic text (normalise, boilerplate, dates, entities, topics, language, MinHash).
  Plain Python: never imports apache_beam, ``stages`` or ``web``.
- ``web/``: HTTP client, charset decoding, feeds, URLs. Plain Python: never imports
  apache_beam or ``stages``.
- ``memory/``: row packing and allocator hints for rows held by a runner. No apache_beam.
- ``article.py``: the one per-article code path (extract → clean → enrich), built from
  ``text`` and ``web``; ``akhbar extract`` and the DoFns both call it. No apache_beam.
- ``stages/``: Beam DoFns and composite PTransforms, thin wrappers around the above; each
  step's batch and streaming variants side by side, one skeleton (``StageFn``) for all.

tests/test_layout.py fails when a module breaks these rules.
"""
