"""Business actions, one module per sub-domain (organizations, workflow, evaluations, scoring...)."""
