from tenfold.portal.tables import metadata
from tenfold.storage.migrations import run_migrations

run_migrations(metadata)
