"""The database: engine, tables, migrations and repositories (the only package that writes SQL)."""

COUNT_CAP = 1000  # counts shown in the UI stop here ("999+"): a count never reads more rows than this
