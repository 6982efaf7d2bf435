//! USP (TR-369) Path Names: parsing, classification, canonical formatting, TR-106 typed values
//! and resolution of search paths against an instantiated data model.
//!
//! The engine, the CLI and every Controller depend on paths being read exactly right, so this
//! crate implements the whole path grammar of REQUIREMENTS §1.1 (R-ARC.7):
//!
//! - object, instance, parameter, command (`Reboot()`) and event (`Boot!`) paths;
//! - wildcards `*`, unique-key addresses and search expressions
//!   `[Alias=="cpe-1"&&Enable==true]` with all seven operators, whitespace around operators
//!   tolerated (R-ARC.9a) and never written (R-ARC.9b);
//! - reference following `Param+.`, `Param#2+.`, `Param#*+.`, chained and inside expressions;
//! - supported paths with `{i}` ([`Path::parse_supported`]), Register paths (R-REG.2,
//!   [`Path::parse_register`]), reference values (R-ARC.11, [`Path::parse_reference`]),
//!   relative paths ([`RelativePath`], [`Path::join`], [`Path::join_with`]), relative parameter
//!   names ([`Parser::parse_relparam`]) and argument names ([`ArgPath`]).
//!
//! Parsing returns a typed AST borrowed from the input ([`Path::into_owned`] detaches it). Its
//! `Display` is the canonical compact form, and `Path::parse(&p.to_string()) == Ok(p)`. Errors
//! are [`PathError`]s with a byte offset and what was expected; they all map to USP error 7008.
//! Configurable limits ([`ParseConfig`]) are checked before the parser allocates.
//!
//! [`value`] is the TR-106 typed value model (R-ENC.6) shared with the data model engine;
//! [`resolve`] turns a path into the concrete paths it matches over any [`resolve::DataTree`].
//!
//! # No I/O
//!
//! The crate performs no I/O, reads no clock or environment, keeps no global state and uses no
//! `unsafe`. It is `no_std` with `alloc`. Every input is bounded: parsing by [`ParseConfig`],
//! resolution by [`resolve::ResolveLimits`]; no input makes it panic or loop forever.
//!
//! # Features
//!
//! - `std` (default): enables `std` in dependencies. Everything works without it.
//!
//! # Example
//!
//! ```
//! use usp_path::{Instance, Operator, Path, PathKind, Segment};
//!
//! let p = Path::parse(r#"Device.IP.Interface.[Type == "Normal" && Stats.ErrorsSent>0].IPv4Address.*.IPAddress"#)?;
//! assert_eq!(p.kind(), PathKind::Search);
//! assert!(p.may_match_many());
//! let Segment::Instance(Instance::Expression(e)) = &p.segments()[3] else { unreachable!() };
//! assert_eq!(e.components()[1].operator(), Operator::Gt);
//! assert_eq!(e.components()[1].param().to_string(), "Stats.ErrorsSent");
//!
//! // Canonical, compact output that parses back to the same value.
//! let text = p.to_string();
//! assert_eq!(text, r#"Device.IP.Interface.[Type=="Normal"&&Stats.ErrorsSent>0].IPv4Address.*.IPAddress"#);
//! assert_eq!(Path::parse(&text)?, p);
//!
//! // Errors carry the offset and map to USP 7008.
//! let err = Path::parse("Device.IP.Interface.01.").unwrap_err();
//! assert_eq!((err.offset(), err.usp_error_code()), (20, 7008));
//! # Ok::<(), usp_path::PathError>(())
//! ```
//!
//! # Decisions on open points (REQUIREMENTS §8)
//!
//! - **Item 6, the grammar.** The spec's BNF cannot end in a parameter after a follow
//!   (`Interface+.Name`), cannot end an object path right after a follow (`Param#*+.`) and its
//!   `value` rule rejects the spec's own `true`, `08` and `2021-06-06T08:00:00Z`. We implement
//!   the fixed grammar of REQUIREMENTS §1.1, which supersedes the BNF: constants are bare or
//!   quoted text, type-checked at resolution ([`value::check_constant`]). Names accept `-` (vendor
//!   prefixes) unless [`ParseConfigBuilder::allow_hyphen`] turns it off, and are limited to 256
//!   characters (TR-106). Instance numbers and list indexes are `u32`, from 1, without leading
//!   zeros. Quoted constants decode only `%22` and `%25`.
//! - **Item 7, type mismatches.** A constant of the wrong type or an operator invalid for the
//!   type (`[Enable=="true"]`, `<` on a string) is USP **7008**, not 7004: the architecture lists
//!   such paths among the invalid ones. See [`value::ValueError::usp_error_code`]. Parsing cannot
//!   see it (constants are untyped text); resolution finds it when the parameter's type is
//!   known. A [`resolve::DataTree`] that implements [`resolve::DataTree::param_type`] makes the
//!   check happen before any row is read, so an empty table gives 7008 too. A tree that does not
//!   only learns the type from a value it reads: over an empty table, or rows none of which has
//!   the parameter, the search is an empty success. The engine can also check earlier against
//!   its schema with [`value::check_constant`].
//! - **Item 7, Get on a command or event path.** Syntactically these are valid paths, so they
//!   never give 7008 here ([`PathKind::Command`], [`PathKind::Event`]); we recommend the engine
//!   answer a Get on them with 7026 (Get addresses objects and parameters only).
//! - **Instance paths without the trailing dot.** `Device.IP.Interface.3` and
//!   `Device.IP.Interface.[Alias=="a"]` are not object paths: the grammar ends object paths in
//!   `.`, so [`Path::parse`] rejects them ([`Expected::Dot`] at the end). They are accepted
//!   only as Path Reference values (R-ARC.11, [`Path::parse_reference`]), where the trailing `.`
//!   is optional, and [`Path::to_reference_string`] writes that form.
//! - **Key address vs search.** Syntax alone cannot tell them apart; [`Path::kind`] calls every
//!   `[...]` a search and [`Path::kind_with`] / [`Expression::addresses_key`] let the data
//!   model decide.
#![no_std]
#![forbid(unsafe_code)]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod ast;
mod config;
mod error;
mod parser;
pub mod resolve;
pub mod value;

#[cfg(any(fuzzing, test))]
pub mod fuzzing;

pub use ast::{
    ArgPath, ArgSegment, Component, Constant, Expression, Instance, ListIndex, Name, Operator,
    Path, PathKind, RelPath, RelStep, RelativePath, Segment, Target,
};
pub use config::{ParseConfig, ParseConfigBuilder};
pub use error::{ConfigError, Expected, PathError, PathErrorKind};
pub use parser::Parser;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
