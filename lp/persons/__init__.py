"""Persons (vreemdelingen) and their identity documents: model, rules, forms, pages, and the log of who saw them."""
