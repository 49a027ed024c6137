/** The package version, kept in step with package.json and jsr.json by `npm version`. */
export const VERSION = "0.1.0";
