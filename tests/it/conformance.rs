//! Conformance against Prism (TODO).
