"""Development tools that are not part of the app: the browser helper."""
