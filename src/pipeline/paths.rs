//! Where things are, as the command line gives them.

use std::path::PathBuf;

/// Where things are, as the command line gives them.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config: PathBuf,
    pub inputs: PathBuf,
    pub out: PathBuf,
}

impl Paths {
    pub fn codebook(&self) -> PathBuf {
        self.config.join("codebook.toml")
    }
    pub fn style(&self) -> PathBuf {
        self.config.join("style.toml")
    }
    /// The site's templates and style sheet.
    pub fn site(&self) -> PathBuf {
        self.config.join("site")
    }
    pub fn waves(&self) -> PathBuf {
        self.inputs.join("waves")
    }
}
