/** The product version, shown by --version and written into transfer manifests. */
export const VERSION = '0.1.0';
