"""Demo data: a plan of what happened (plan, data) and the loader that records it through the services."""
