"""The code behind the review build scripts ``tools/build_*_review.py``.

``common`` holds what every build shares (numbered source rows, CSV and TOML text,
writing the folder, the error exit); ``cart`` is the build of the bundled CAR-T review,
one module per concept.
"""
