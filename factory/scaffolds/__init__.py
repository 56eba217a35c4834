"""Scaffolds of whole repositories: `installer-factory init` (org_repo.py, the cookiecutter
template in org-repo/ beside it)."""
