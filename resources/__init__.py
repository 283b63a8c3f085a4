"""Data files for the desktop app (style sheet, icons, example lyrics), read through
`importlib.resources` so they work from a checkout, a wheel or a frozen build."""
