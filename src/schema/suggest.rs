//! "Did you mean ...?": the closest allowed word to a misspelled one, through
//! the one suggestion helper ([`crate::text::did_you_mean`]).

pub use crate::text::did_you_mean;
