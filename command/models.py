"""Every table of every domain, imported so that Alembic and the tests see one metadata."""

from command.auth import models as auth_models  # noqa: F401
from command.db import Base
from command.deadlines import models as deadline_models  # noqa: F401
from command.events import Event  # noqa: F401
from command.idempotency import IdempotencyRecord  # noqa: F401
from command.incidents import models as incident_models  # noqa: F401
from command.interop import models as interop_models  # noqa: F401
from command.units import models as unit_models  # noqa: F401
from plans import models as plan_models  # noqa: F401

metadata = Base.metadata
