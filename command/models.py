"""Every table of every domain, imported so that Alembic and the tests see one metadata."""

from command.db import Base
from command.registry import import_models

import_models()
metadata = Base.metadata
