"""The build of the bundled review ``cart_dlbcl`` from the extraction in its ``sources/``.

One module per concept, in the order the data flow: ``sources`` (reading the tables,
picking rows, exact numbers), ``provenance`` (the source strings of an output row),
``studies``, ``outcomes`` (how a row is built) and ``outcome_rows`` / ``toxicity`` (which
rows), ``controls``, ``published``, ``rob``, ``exclusions`` (what is left out and why),
``review_text`` and ``review_toml`` (the review.toml), and ``build`` (all files).
"""
