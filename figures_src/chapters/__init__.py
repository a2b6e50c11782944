"""One module per chapter: data -> model -> train (keeping snapshots) -> frames."""
