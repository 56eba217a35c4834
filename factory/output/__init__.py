"""Where outputs go (every folder and file name) and how they are written: atomically."""
