"""The HTTP API: a Litestar application over the register's domain services."""
