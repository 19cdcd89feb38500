"""The director's annual self-attestation against Schedule 4 of the 2014 Regulations."""
