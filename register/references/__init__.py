"""Board Member References (BMRs): asked for by an appointing trust, owed by every former employer."""
