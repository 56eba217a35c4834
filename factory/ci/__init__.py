"""build-matrix.yml and the CI pipelines made from it (GitHub Actions, GitLab CI, Azure)."""
