from tenfold.storage.migrations import run_migrations
from tenfold.storage.tables import metadata

run_migrations(metadata)
