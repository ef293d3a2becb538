//! Stage 3 — classify.
