"""Idempotency keys: a POST retried with the same key is answered from the first response, not run again."""
