from tenfold.storage.migrations import run_migrations
from tenfold.tellusonce.tables import metadata

run_migrations(metadata)
