"""The web infrastructure every feature uses.

Extensions, configuration, database, access, errors, security headers, languages,
navigation, health, audit.
"""
