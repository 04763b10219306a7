//! rolldown's diagnostics → [`BundleError`], with the file named as the project names it
//! (`src/app.ts`, `node_modules/pkg/index.js`) and the line and column of the first label.

use rolldown_error::{BuildDiagnostic, DiagnosticOptions, EventKind};

use super::vfs::{PROJECT, Vfs};
use crate::error::{BundleError, Location};

/// rolldown leaves a bare import it cannot resolve as an import, with a warning; in a worker
/// that import could never load, so it is the build's error.
pub fn refuse_unresolved(warnings: &[BuildDiagnostic]) -> Result<(), BundleError> {
    match warnings.iter().position(|w| matches!(w.kind(), EventKind::UnresolvedImport)) {
        Some(i) => Err(describe(&warnings[i])),
        None => Ok(()),
    }
}

/// The first error of a failed build, which the others usually follow from.
pub fn from_diagnostics(diagnostics: Vec<BuildDiagnostic>) -> BundleError {
    match diagnostics.first() {
        Some(first) => describe(first),
        None => BundleError::Build("the bundler failed without saying why".into()),
    }
}

fn describe(first: &BuildDiagnostic) -> BundleError {
    let options = DiagnosticOptions { cwd: PROJECT.into() };
    let diagnostic = first.to_diagnostic_with(&options);
    let at = diagnostic.get_primary_location().map(|(file, line, column, _)| Location {
        file: Vfs::display(&file),
        line,
        column: column + 1,
    });
    let message = first.to_message_with(&options).replace(PROJECT, "").replace('\0', "");
    match first.kind() {
        EventKind::UnresolvedImport | EventKind::UnresolvedEntry => {
            BundleError::Unresolved { specifier: first.exporter().unwrap_or_default(), at, message }
        }
        EventKind::ParseError | EventKind::JsonParseError => BundleError::Syntax { at, message },
        EventKind::InvalidOptionError | EventKind::BundlerInitializeError => BundleError::Options(message),
        _ => BundleError::Build(match at {
            Some(at) => format!("{at}: {message}"),
            None => message,
        }),
    }
}

/// Warnings as one line each, for `Build.warnings`.
pub fn warning_lines(warnings: &[BuildDiagnostic]) -> Vec<String> {
    let options = DiagnosticOptions { cwd: PROJECT.into() };
    warnings.iter().map(|w| w.to_message_with(&options).replace(PROJECT, "").replace('\0', "")).collect()
}
