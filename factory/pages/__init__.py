"""The release page: OUTPUT/index.html, one self-contained page saying what was built."""
