"""One constructor project per (profile, platform, lock), in memory: a typed plan first,
then the templates rendered from it."""
