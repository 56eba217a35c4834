"""Deployment kits for Intune, SCCM, Jamf and Ansible, and the manifest of an output folder."""
