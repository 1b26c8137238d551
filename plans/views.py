"""Routes of this domain."""

routes: list = []
