//! Stage 4 — group.
