"""FPPT assessments: prepared by the trust, signed off by the chair (or the senior independent director)."""
