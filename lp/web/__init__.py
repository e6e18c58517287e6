"""The web infrastructure every feature uses: extensions, configuration, database, access, errors, security headers, languages, navigation, health, audit."""
