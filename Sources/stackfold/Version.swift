/// The one version string: `stackfold --version`, the man page.
let stackfoldVersion = "0.1.0"
