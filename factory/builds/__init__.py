"""Running the real constructor: many jobs in turn, one job in a private work folder,
finding constructor, the host's native platform, checksums after signing."""
