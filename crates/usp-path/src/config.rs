//! Parser limits and options.

use crate::ConfigError;

/// Limits and options for parsing paths.
///
/// Defaults: 8192 bytes, 128 segments, 64 expression components, 256-character names (TR-106),
/// 1024 references per list, whitespace around operators tolerated (R-ARC.9a), `-` accepted in
/// vendor names (`X_EXAMPLE-COM_Foo`). Every limit is checked before the parser allocates for
/// the thing being limited.
///
/// ```
/// use usp_path::{ParseConfig, Parser, PathErrorKind};
///
/// let cfg = ParseConfig::builder().max_length(16).build()?;
/// let err = Parser::new(cfg).parse("Device.IP.Interface.1.").unwrap_err();
/// assert_eq!(err.kind(), PathErrorKind::TooLong { max: 16 });
/// # Ok::<(), usp_path::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseConfig {
    pub(crate) max_length: usize,
    pub(crate) max_segments: usize,
    pub(crate) max_components: usize,
    pub(crate) max_name_length: usize,
    pub(crate) max_references: usize,
    pub(crate) allow_whitespace: bool,
    pub(crate) allow_hyphen: bool,
}

impl Default for ParseConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl ParseConfig {
    /// The default configuration (see the type docs).
    pub const DEFAULT: Self = Self {
        max_length: 8192,
        max_segments: 128,
        max_components: 64,
        max_name_length: 256,
        max_references: 1024,
        allow_whitespace: true,
        allow_hyphen: true,
    };

    /// A builder starting from the defaults.
    pub fn builder() -> ParseConfigBuilder {
        ParseConfigBuilder { cfg: Self::DEFAULT }
    }

    /// Maximum path length in bytes.
    pub const fn max_length(&self) -> usize {
        self.max_length
    }

    /// Maximum number of segments in a path: names, instance identifiers and follows, plus the
    /// steps of expression parameters (`Stats.ErrorsSent` counts 2).
    pub const fn max_segments(&self) -> usize {
        self.max_segments
    }

    /// Maximum number of expression components in a whole path.
    pub const fn max_components(&self) -> usize {
        self.max_components
    }

    /// Maximum length of one name.
    pub const fn max_name_length(&self) -> usize {
        self.max_name_length
    }

    /// Maximum number of items in a reference list.
    pub const fn max_references(&self) -> usize {
        self.max_references
    }

    /// Whether whitespace around operators, `&&` and inside `[ ]` is tolerated.
    pub const fn allow_whitespace(&self) -> bool {
        self.allow_whitespace
    }

    /// Whether `-` is accepted inside names.
    pub const fn allow_hyphen(&self) -> bool {
        self.allow_hyphen
    }
}

/// Builds a [`ParseConfig`]; [`ParseConfigBuilder::build`] validates the values once.
#[derive(Clone, Debug)]
pub struct ParseConfigBuilder {
    cfg: ParseConfig,
}

impl ParseConfigBuilder {
    /// Maximum path length in bytes (default 8192).
    pub fn max_length(&mut self, v: usize) -> &mut Self {
        self.cfg.max_length = v;
        self
    }

    /// Maximum number of segments, expression parameter steps included (default 128).
    pub fn max_segments(&mut self, v: usize) -> &mut Self {
        self.cfg.max_segments = v;
        self
    }

    /// Maximum number of expression components over the whole path (default 64).
    pub fn max_components(&mut self, v: usize) -> &mut Self {
        self.cfg.max_components = v;
        self
    }

    /// Maximum name length (default and upper bound 256, TR-106).
    pub fn max_name_length(&mut self, v: usize) -> &mut Self {
        self.cfg.max_name_length = v;
        self
    }

    /// Maximum number of items in a reference list (default 1024).
    pub fn max_references(&mut self, v: usize) -> &mut Self {
        self.cfg.max_references = v;
        self
    }

    /// Tolerate whitespace around operators (default `true`, R-ARC.9a). Set `false` to check
    /// that a Controller's output is compact (R-ARC.9b).
    pub fn allow_whitespace(&mut self, v: bool) -> &mut Self {
        self.cfg.allow_whitespace = v;
        self
    }

    /// Accept `-` inside names, as used by vendor prefixes such as `X_EXAMPLE-COM_` (default
    /// `true`). BBF-defined names never contain `-`.
    pub fn allow_hyphen(&mut self, v: bool) -> &mut Self {
        self.cfg.allow_hyphen = v;
        self
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [`ConfigError::Zero`] if a limit is 0; [`ConfigError::NameLengthAboveTr106`] if the name
    /// limit is above 256.
    pub fn build(&self) -> Result<ParseConfig, ConfigError> {
        let c = self.cfg;
        for (v, name) in [
            (c.max_length, "max_length"),
            (c.max_segments, "max_segments"),
            (c.max_components, "max_components"),
            (c.max_name_length, "max_name_length"),
            (c.max_references, "max_references"),
        ] {
            if v == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        if c.max_name_length > 256 {
            return Err(ConfigError::NameLengthAboveTr106);
        }
        Ok(c)
    }
}
