//! The interop crate's formats, end to end: one test binary, one module per format.

mod ubl;
