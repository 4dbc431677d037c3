//! `deployment:` in a spec (filled in below).
